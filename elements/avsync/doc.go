// Package avsync measures the audio/video offset of a stream from features
// the videoqc and audioqc elements already compute, and raises av_offset
// defect events when the offset leaves the ITU-R BT.1359 acceptability range.
//
// Three detectors, each a small type that eats features and emits start/end
// events through a defect.Gate:
//
//   - Skew (timestamp skew): the running times of the two streams move apart,
//     jump, or one stalls while the other flows. Needs no content, reacts in
//     a second, but only sees changes of the timestamp relationship during a
//     run, never an offset baked into the content.
//   - Marker: flash frames / white patches paired with 1 kHz tone bursts
//     (broadcast sync test signals). Exact to a video frame, only on feeds
//     that carry markers.
//   - Correlator: on ordinary programme content, the audio onset envelope
//     correlated with visual change over a sliding window. Works on any
//     content with irregular audio-visual events; says when it cannot.
//
// The elements share features through a Group (Join by sync-group key): the
// video element pushes one VideoFrame per frame, the audio element pushes its
// raw samples (the group cuts them into 5 ms AudioBlocks). The group runs the
// detectors, merges their windows into one av_offset window, and hands the
// events to the video element's sink. See elements/README.md for the design.
//
// Pure Go (no cgo, no go-gst): detectors are tested, fuzzed and benchmarked
// on synthetic feature streams.
//
// Sign convention everywhere: offset = audio running time − video running
// time of the same event, in ms; positive = audio late.
package avsync
