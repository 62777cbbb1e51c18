// Package pipelinetest holds the A/V sync tests that run real GStreamer
// pipelines: decodebin3 → videoqc + audioqc in one pipeline, on the
// testvideos clips with their ground truth, and timestamp faults injected
// by a pad probe. Package avsync itself stays pure Go; its detectors are
// tested there on synthetic feature streams.
//
// The only code here is the probe (cgo cannot live in _test.go files).
package pipelinetest
