//go:build !linux

package main

type cpuSample struct{ ok bool }

func sampleCPU() cpuSample { return cpuSample{} }

func othersCores(a, b cpuSample) (float64, bool) { return 0, false }

func windowTicks(a, b cpuSample) float64 { return 0 }

func othersRunnable() (int, bool) { return 0, false }
