module go-heap-lens/typefacts

go 1.21
