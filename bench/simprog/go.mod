module goheaplens.bench/simprog

go 1.21
