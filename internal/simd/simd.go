// Package simd says whether the analysers' vector kernels may run on this
// CPU. The kernels are Go assembly (no cgo) next to the pure-Go code they
// replace; that Go code stays the reference they are tested against and
// the path on every other CPU and architecture.
//
// AVWATCH_SIMD=off turns the kernels off (to compare, or to rule them out
// when chasing a difference).
package simd

import "os"

// AVX2 is true on amd64 CPUs with AVX2 (and POPCNT, which every AVX2 CPU
// has) whose OS saves the YMM registers, unless AVWATCH_SIMD=off.
var AVX2 = hasAVX2() && os.Getenv("AVWATCH_SIMD") != "off"
