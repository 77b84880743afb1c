module ghlfidelity

go 1.21
