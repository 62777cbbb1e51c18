//go:build !avwatch_floor

// Package benchfloor lets `make bench` measure what the elements cost
// without their analysis: built with the tag avwatch_floor, videoqc and
// audioqc map every buffer and pass it on unanalysed, so avwatch check
// still probes, builds and runs the same pipeline, enters Go once per
// buffer and handles the bus, and its speed against a decode-only
// pipeline is the most the analysis could ever reach. Normal builds
// compile the check away (Floor is a constant false).
package benchfloor

// Floor is true only in avwatch_floor builds.
const Floor = false
