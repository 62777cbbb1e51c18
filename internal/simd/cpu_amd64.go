package simd

func hasAVX2() bool
