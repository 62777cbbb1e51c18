package pipeline

/*
#include <stdlib.h>
#include "avw.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/message"
	"github.com/avwatch/avwatch/pipeline/event"
	"github.com/avwatch/avwatch/pipeline/integrity"
	"github.com/avwatch/avwatch/pipeline/launch"
)

// Options tune the runner. The zero value of a field means its default.
type Options struct {
	// BackoffMin and BackoffMax bound the delay before restarting a live
	// source: it doubles from min to max and resets once a run stayed
	// healthy for HealthyAfter. Defaults 1 s, 30 s, 1 min.
	BackoffMin, BackoffMax, HealthyAfter time.Duration
	// ProbeTimeout bounds the wait for a source's stream list. Default 10 s.
	ProbeTimeout time.Duration
	// StallRestart: a live pipeline that has delivered nothing for
	// StallTimeout + StallRestart is torn down and restarted (a camera that
	// hangs without an error). Default: the spec's StallTimeout.
	StallRestart time.Duration
	// StatsInterval is how often the runner emits its own stats event
	// (Element "pipeline"): frames, fps, position. Default 1 s; <0 never.
	StatsInterval time.Duration
	// Once ends the stream at its first error or EOS without restarting,
	// even for live sources (avwatch check).
	Once bool
	// Background runs the analysers in the decoders' waits instead of
	// taking cores from them, for checks that run as fast as decoding
	// allows: a queue of 4 frames before videoconvert gives the video
	// conversion and videoqc a thread of their own, and that thread and
	// audioqc's (where video is analysed too) drop to
	// SCHED_IDLE at their first buffer (avw.c says why and how). Live
	// streams paced by a clock leave cores idle anyway and do not need it;
	// nor does a box whose cores other work keeps busy: there SCHED_IDLE
	// analysis waits for that work (measured next to two busy loops on 2
	// cores: a 16 s clip's check took 53–56 s instead of 1.4 s), which is
	// what BackgroundIf is for.
	Background bool
	// BackgroundIf, if set, is asked once per stream, after the probe,
	// whether Background applies (avwatch check: only while the box's
	// other processes leave cores idle).
	BackgroundIf func() bool
	// Families replaces the hardware table (tests).
	Families []launch.Family
	// Poll is the bus poll interval, the watchdog's resolution. Default 100 ms.
	Poll time.Duration
}

// DefaultOptions are the options Start uses.
func DefaultOptions() Options { return Options{}.withDefaults(0) }

func (o Options) withDefaults(stall time.Duration) Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.BackoffMin, time.Second)
	def(&o.BackoffMax, 30*time.Second)
	def(&o.HealthyAfter, time.Minute)
	def(&o.ProbeTimeout, 10*time.Second)
	def(&o.StallRestart, stall)
	def(&o.StatsInterval, time.Second)
	def(&o.Poll, 100*time.Millisecond)
	if o.Families == nil {
		o.Families = launch.Families
	}
	return o
}

// DefaultStallTimeout is used when a Spec leaves StallTimeout zero.
const DefaultStallTimeout = 5 * time.Second

// Start starts a stream with DefaultOptions. It matches event.Starter.
func Start(ctx context.Context, spec event.Spec) (event.Stream, error) {
	return StartWith(ctx, spec, Options{})
}

// NewStarter returns an event.Starter using o (e.g. short backoffs in tests).
func NewStarter(o Options) event.Starter {
	return func(ctx context.Context, spec event.Spec) (event.Stream, error) { return StartWith(ctx, spec, o) }
}

// StartWith starts a stream. Errors in the spec (a bad source, a pipeline
// that does not parse) are returned; everything that happens once it runs
// (source down, decoder failure, EOS) arrives as events.
func StartWith(ctx context.Context, spec event.Spec, o Options) (event.Stream, error) {
	if err := Init(); err != nil {
		return nil, err
	}
	if spec.StallTimeout <= 0 {
		spec.StallTimeout = DefaultStallTimeout
	}
	o = o.withDefaults(spec.StallTimeout)
	r := &stream{
		spec:   spec,
		opts:   o,
		events: make(chan event.Event, 64),
		done:   make(chan struct{}),
		props:  map[string]string{},
		hw:     launch.HardwareElements(o.Families),
	}
	for k, v := range spec.Properties {
		r.props[k] = v
	}
	var err error
	if r.profile, err = launch.ParseProfile(spec.HWAccel); err != nil {
		return nil, err
	}
	switch {
	case spec.Source != "" && spec.Pipeline != "" && !launch.IsTemplate(spec.Pipeline):
		return nil, fmt.Errorf("stream %q: give a source or a pipeline, not both (a pipeline may use {source} and {decode} to build on the source)", spec.Name)
	case spec.Source == "" && spec.Pipeline == "":
		return nil, fmt.Errorf("stream %q: no source and no pipeline", spec.Name)
	case spec.Source == "" && launch.IsTemplate(spec.Pipeline):
		return nil, fmt.Errorf("stream %q: the pipeline uses placeholders like {source} but the stream has no source", spec.Name)
	}
	if spec.Source != "" {
		src, err := launch.ParseSource(spec.Source)
		if err != nil {
			return nil, err
		}
		if src.Kind == launch.File {
			if err := checkFile(src.Path); err != nil {
				return nil, err
			}
		}
		r.src = &src
	} else if err := checkUserPipeline(spec.Pipeline); err != nil {
		return nil, err
	}
	ctx, r.cancel = context.WithCancel(ctx)
	go r.run(ctx)
	return r, nil
}

func checkFile(path string) error {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Errorf("source %s: %w", path, unwrapPathError(err))
	case st.IsDir():
		return fmt.Errorf("source %s: is a directory, not a media file", path)
	case st.Size() == 0:
		return fmt.Errorf("source %s: empty file", path)
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// stream is a running event.Stream: one goroutine runs pipelines one after
// another (probe, build, run, restart) and owns everything but props.
type stream struct {
	spec    event.Spec
	opts    Options
	profile launch.Profile
	src     *launch.Source // nil for a user pipeline without placeholders
	hw      map[string]bool

	events chan event.Event
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	props  map[string]string
	absent map[string]bool // analysers the current pipeline lacks (no such stream)
	inst   *C.avw_inst     // current pipeline, guarded by mu for SetProperties
	// lastBackground are the threads the last pipeline's Background
	// lowered, per kind (tests), guarded by mu.
	lastBackground [2]int

	// Owned by the run goroutine.
	bgAsked, bgOn bool // Options.BackgroundIf's answer, asked once
	media         *launch.Media
	fallback      bool
	failedHW      string
	collection    string // the running pipeline's last stream collection ("kind|caps" lines)
	// undecodedAudio is the media type of an audio stream no decoder
	// takes: from the attempt after it showed, the pipeline leaves it
	// undecoded and analyses the video alone.
	undecodedAudio string
	warned         map[string]bool
	restarts       int
	lastData       time.Time // last time a buffer reached an analyser (or start)
	loss           *lossState
	lastPTS        time.Duration
	decoder        string
}

type lossState struct {
	start time.Time
	pts   time.Duration
}

func (r *stream) Events() <-chan event.Event { return r.events }

// backgroundTIDs are the threads Background lowered in the running
// pipeline (or the last one): video's and audio's, 0 none (yet). For
// tests: cgo is not allowed in them.
func (r *stream) backgroundTIDs() [2]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inst == nil {
		return r.lastBackground
	}
	return backgroundTIDs(r.inst)
}

// background reports whether this stream's analysers run in the decoders'
// waits (Options.Background), asking Options.BackgroundIf once.
func (r *stream) background() bool {
	if !r.opts.Background {
		return false
	}
	if !r.bgAsked {
		r.bgAsked, r.bgOn = true, r.opts.BackgroundIf == nil || r.opts.BackgroundIf()
	}
	return r.bgOn
}

func backgroundTIDs(in *C.avw_inst) [2]int {
	return [2]int{int(C.avw_inst_background_tid(in, C.AVW_VIDEO)), int(C.avw_inst_background_tid(in, C.AVW_AUDIO))}
}

func (r *stream) Stop() {
	r.cancel()
	<-r.done
}

// SetProperties applies "element.prop" -> value to the running pipeline and
// keeps them for restarts.
func (r *stream) SetProperties(props map[string]string) error {
	for k := range props {
		if _, _, err := splitKey(k); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range props {
		r.props[k] = v
	}
	if r.inst == nil {
		return nil
	}
	return errors.Join(setProps(r.inst.pipeline, r.present(props), false)...)
}

// present drops the properties of analysers the running pipeline does not
// have because its source lacks that stream; callers hold mu.
func (r *stream) present(props map[string]string) map[string]string {
	out := make(map[string]string, len(props))
	for k, v := range props {
		if el, _, _ := strings.Cut(k, "."); !r.absent[el] {
			out[k] = v
		}
	}
	return out
}

// emit delivers an event; it gives up only when the stream is stopping.
func (r *stream) emit(ctx context.Context, ev event.Event) {
	ev.Wall = time.Now()
	select {
	case r.events <- ev:
	case <-ctx.Done():
	}
}

// emitFinal delivers the last events after a stop, waiting a little for a
// reader that may have gone.
func (r *stream) emitFinal(ev event.Event) {
	ev.Wall = time.Now()
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case r.events <- ev:
	case <-t.C:
	}
}

func (r *stream) state(ctx context.Context, s event.State, msg string) {
	r.emit(ctx, event.Event{Kind: event.KindState, State: s, Decoder: r.decoder, Fallback: r.fallback, Message: msg})
}

func (r *stream) warn(ctx context.Context, msg string) {
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	if r.warned[msg] {
		return
	}
	r.warned[msg] = true
	r.emit(ctx, event.Event{Kind: event.KindWarning, Message: msg})
}

func (r *stream) live() bool { return r.src != nil && r.src.Live() }

type outcomeKind int

const (
	outStopped outcomeKind = iota
	outEOS
	outFailed
)

type outcome struct {
	kind      outcomeKind
	msg       string
	permanent bool // retrying cannot help (the pipeline does not parse)
	hardware  bool // a hardware decoder failed: retry in software
	// undecodedAudio: no decoder takes this audio media type, the video
	// has one: retry with the audio left undecoded.
	undecodedAudio string
	ran            time.Duration
	live           bool     // the pipeline turned out live (user pipelines)
	frames         [2]int64 // buffers that reached the video and audio analysers
}

func (r *stream) run(ctx context.Context) {
	defer close(r.done)
	defer close(r.events)
	r.lastData = time.Now()
	r.state(ctx, event.Starting, "")
	// A file's container is checked alongside the decode: damage the
	// decoder walks over silently (a cut-off transport stream ends with a
	// clean EOS) is reported with the result.
	var integrityErr error
	integrityDone := make(chan struct{})
	if r.src != nil && r.src.Kind == launch.File && !r.spec.Loop {
		ictx, icancel := context.WithCancel(ctx)
		go func() {
			defer close(integrityDone)
			integrityErr = integrity.Check(ictx, r.src.Path)
		}()
		defer func() { icancel(); <-integrityDone }()
	} else {
		close(integrityDone)
	}
	fileProblems := func(out outcome) []string {
		<-integrityDone
		var p []string
		if integrityErr != nil && !errors.Is(integrityErr, context.Canceled) {
			p = append(p, integrityErr.Error())
		}
		if out.kind == outEOS && r.media != nil {
			if r.media.Video && out.frames[0] == 0 {
				p = append(p, "no video frame could be decoded: the video stream is corrupt or empty")
			}
			if r.media.Audio && out.frames[1] == 0 && r.undecodedAudio == "" { // else warned
				p = append(p, "no audio could be decoded: the audio stream is corrupt or empty")
			}
		}
		return p
	}
	endFile := func(out outcome) {
		problems := fileProblems(out)
		for _, p := range problems {
			r.emit(ctx, event.Event{Kind: event.KindError, Message: p})
		}
		if out.kind == outEOS {
			r.endLoss(ctx)
			r.emit(ctx, event.Event{Kind: event.KindEOS})
		}
		switch {
		case out.kind == outFailed:
			r.emitFinal(event.Event{Kind: event.KindState, State: event.Down, Decoder: r.decoder, Fallback: r.fallback, Message: out.msg})
		case len(problems) > 0:
			r.emitFinal(event.Event{Kind: event.KindState, State: event.Down, Decoder: r.decoder, Fallback: r.fallback, Message: problems[0]})
		default:
			r.emitFinal(event.Event{Kind: event.KindState, State: event.Stopped, Decoder: r.decoder, Fallback: r.fallback, Message: "end of stream"})
		}
	}
	backoff := r.opts.BackoffMin
	for {
		out := r.attempt(ctx)
		// Whether a user's own pipeline is live shows when it starts (no
		// preroll); a generated one's is the source's kind (test:// is
		// clocked like a live source but ends).
		live := r.live() || r.src == nil && out.live
		if out.kind == outStopped || ctx.Err() != nil {
			r.emitFinal(event.Event{Kind: event.KindState, State: event.Stopped, Decoder: r.decoder, Fallback: r.fallback})
			return
		}
		switch {
		case out.kind == outEOS && !live:
			if r.spec.Loop && !r.opts.Once {
				r.restarts++
				continue
			}
			endFile(out)
			return
		case out.kind == outFailed && out.undecodedAudio != "" && r.undecodedAudio == "":
			r.undecodedAudio = out.undecodedAudio
			r.restarts++
			r.warn(ctx, out.msg+"; the video is analysed without it")
			r.state(ctx, event.Reconnecting, "restarting without the audio")
			continue
		case out.kind == outFailed && out.hardware && !r.fallback:
			r.fallback = true
			r.restarts++
			r.warn(ctx, fmt.Sprintf("hardware decoding failed (%s); this stream decodes in software from now on", out.msg))
			r.state(ctx, event.Reconnecting, "falling back to software decoding")
			continue
		case out.kind == outFailed && (out.permanent || !live || r.opts.Once):
			if !live {
				endFile(out)
				return
			}
			r.emitFinal(event.Event{Kind: event.KindState, State: event.Down, Decoder: r.decoder, Fallback: r.fallback, Message: out.msg})
			return
		case out.kind == outEOS && r.opts.Once:
			r.emit(ctx, event.Event{Kind: event.KindEOS})
			r.emitFinal(event.Event{Kind: event.KindState, State: event.Stopped, Decoder: r.decoder, Fallback: r.fallback, Message: "end of stream"})
			return
		}
		// A live source failed, stalled or ended: try again after a backoff.
		if out.ran >= r.opts.HealthyAfter {
			backoff = r.opts.BackoffMin
		}
		msg := out.msg
		if out.kind == outEOS {
			msg = "source ended"
		}
		r.state(ctx, event.Reconnecting, fmt.Sprintf("%s; retrying in %s", msg, backoff))
		if !r.sleep(ctx, backoff) {
			r.emitFinal(event.Event{Kind: event.KindState, State: event.Stopped, Decoder: r.decoder, Fallback: r.fallback})
			return
		}
		backoff = min(2*backoff, r.opts.BackoffMax)
		r.restarts++
	}
}

// sleep waits d while the watchdog keeps running; false when stopped.
func (r *stream) sleep(ctx context.Context, d time.Duration) bool {
	end := time.Now().Add(d)
	for {
		left := time.Until(end)
		if left <= 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(min(left, r.opts.Poll)):
			r.watch(ctx, nil)
		}
	}
}

// watch is the stall watchdog: signal_loss starts when no buffer reached an
// analyser for StallTimeout, and ends when one does. cur is the running
// pipeline's buffer count, nil between pipelines.
func (r *stream) watch(ctx context.Context, progressed *bool) {
	now := time.Now()
	if progressed != nil && *progressed {
		r.lastData = now
		r.endLoss(ctx)
		return
	}
	if r.loss == nil && now.Sub(r.lastData) >= r.spec.StallTimeout {
		r.loss = &lossState{start: r.lastData, pts: r.lastPTS}
		r.emit(ctx, event.Event{Kind: event.KindDefect, Element: "pipeline", Defect: defect.Event{
			Type: defect.SignalLoss, Edge: defect.Start, PTS: r.lastPTS, RunningTime: -1, StreamTime: -1,
			Value: now.Sub(r.lastData).Seconds(), Threshold: r.spec.StallTimeout.Seconds(), Channel: -1,
		}})
	}
}

func (r *stream) endLoss(ctx context.Context) {
	if r.loss == nil {
		return
	}
	d := time.Since(r.loss.start)
	r.loss = nil
	r.emit(ctx, event.Event{Kind: event.KindDefect, Element: "pipeline", Defect: defect.Event{
		Type: defect.SignalLoss, Edge: defect.End, PTS: r.lastPTS, RunningTime: -1, StreamTime: -1,
		Duration: d, Value: d.Seconds(), Threshold: r.spec.StallTimeout.Seconds(), Channel: -1,
	}})
}

// plan returns the launch string for this attempt.
func (r *stream) plan(ctx context.Context) (string, launch.Plan, error) {
	if r.src == nil {
		raiseAuto(r.profile, r.opts.Families)
		return r.spec.Pipeline, launch.Plan{}, nil
	}
	if r.media == nil || r.live() {
		switch r.src.Kind {
		case launch.Test, launch.V4L2:
			r.media = &launch.Media{}
		default:
			m, err := probeMedia(ctx, *r.src, r.opts.ProbeTimeout, r.opts.Poll, func() { r.watch(ctx, nil) })
			if err != nil {
				return "", launch.Plan{}, err
			}
			if r.media != nil && m.Codec == launch.Unknown {
				m.Codec = r.media.Codec
			}
			r.media = &m
		}
	}
	vqc, aqc := analysers()
	p, err := launch.Build(Registry{}, launch.Input{
		Source: *r.src, Profile: r.profile, Media: *r.media, Sync: r.spec.Sync,
		Software: r.fallback, Families: r.opts.Families, VideoQC: vqc, AudioQC: aqc,
		AnalysisThread: r.background() && (Registry{}).Has("videoqc"),
		UndecodedAudio: r.undecodedAudio,
	})
	if err != nil {
		return "", p, err
	}
	raiseRanks(p.Raise)
	if err := decodable(*r.media, p); err != nil {
		return "", p, err
	}
	for _, w := range p.Warnings {
		r.warn(ctx, w)
	}
	desc := p.Launch
	if r.spec.Pipeline != "" {
		if desc, err = launch.Expand(r.spec.Pipeline, p); err != nil {
			return "", p, err
		}
	}
	return desc, p, nil
}

// decodable fails a plan whose video no decoder on this box takes. Run
// as is, decodebin3 exposes no pad for the stream and the demuxer stops
// with "Internal data stream error … not-negotiated", which names neither
// the codec nor the fix (seen with AV1 on a GPU box with no AV1 decoder).
// The caps are the codec's bare media type, so a decoder that takes only
// some of its profiles counts as one: this catches a box with none at all.
// A decoder the plan names was checked when it was chosen.
func decodable(m launch.Media, p launch.Plan) error {
	if !m.Video || p.Video == "" || p.Decoder != "" {
		return nil
	}
	caps := launch.CodecCaps(m.Codec)
	if caps == "" || len(Decoders(caps, "Video")) > 0 {
		return nil
	}
	return fmt.Errorf("no decoder on this box takes the stream's %s video (%s): install %s; avwatch doctor lists what this box decodes",
		strings.ToUpper(string(m.Codec)), caps, launch.DecoderPackages(m.Codec))
}

// undecodable explains a "not-negotiated" stop by the collection's audio
// or video streams that no decoder on the box takes with their full caps
// (an audio codec without its decoder, say, or an H.264 profile that only
// a hardware decoder that refuses it was there for), "" when every stream
// has one. decodebin3 says nothing of its own in that case. audio is the
// media type of the one undecodable stream when that is an audio stream
// and the collection has video that decodes: the video can go on alone.
func undecodable(collection string) (why, audio string) {
	var whys []string
	videoDecodes, badAudio := false, ""
	for _, line := range strings.Split(collection, "\n") {
		kind, caps, _ := strings.Cut(line, "|")
		if kind != "video" && kind != "audio" || caps == "" {
			continue
		}
		if len(Decoders(caps, klassOf(kind))) > 0 {
			videoDecodes = videoDecodes || kind == "video"
			continue
		}
		whys = append(whys, fmt.Sprintf("no decoder on this box takes the stream's %s (%s): install %s", kind, caps, launch.DecoderPackagesFor(caps)))
		if kind == "audio" {
			badAudio, _, _ = strings.Cut(caps, ",")
		}
	}
	if len(whys) == 1 && badAudio != "" && videoDecodes {
		audio = badAudio
	}
	return strings.Join(whys, "; "), audio
}

// klassOf is the decoder klass word for a stream kind ("video" -> "Video").
func klassOf(kind string) string {
	if kind == "audio" {
		return "Audio"
	}
	return "Video"
}

// analysers returns the analyser fragments: the real elements, or identity
// placeholders named like them while an element is not registered.
func analysers() (string, string) {
	v, a := "videoqc", "audioqc"
	if !(Registry{}).Has(v) {
		v = "identity name=videoqc"
	}
	if !(Registry{}).Has(a) {
		a = "identity name=audioqc"
	}
	return v, a
}

// raiseAuto applies auto's rank raise for user pipelines (their decodebin3
// then prefers the box's hardware decoder too).
func raiseAuto(p launch.Profile, fams []launch.Family) {
	if p != launch.Auto {
		return
	}
	if f, ok := launch.AutoFamily(Registry{}, fams); ok {
		var names []string
		for _, d := range f.Present(Registry{}) {
			names = append(names, d)
		}
		raiseRanks(names)
	}
}

// attempt runs one pipeline from probe to end.
func (r *stream) attempt(ctx context.Context) outcome {
	r.collection = ""
	desc, plan, err := r.plan(ctx)
	if ctx.Err() != nil {
		return outcome{kind: outStopped}
	}
	if err != nil {
		msg := err.Error()
		r.emit(ctx, event.Event{Kind: event.KindError, Message: msg})
		var pe *parseError
		return outcome{kind: outFailed, msg: msg, permanent: errors.As(err, &pe)}
	}
	p, err := parse(desc)
	if err != nil {
		msg := describeParseError(err)
		r.emit(ctx, event.Event{Kind: event.KindError, Message: msg})
		return outcome{kind: outFailed, msg: msg, permanent: true}
	}
	in := C.avw_inst_new(p)
	started := time.Now()
	r.mu.Lock()
	// A generated pipeline has no videoqc for an audio-only source (and no
	// audioqc for a silent one): settings for it wait, unapplied.
	r.absent = map[string]bool{}
	if r.src != nil {
		r.absent["videoqc"] = plan.Video == ""
		r.absent["audioqc"] = plan.Audio == ""
	}
	propErrs := setProps(p, r.present(r.props), false)
	r.inst = in
	r.mu.Unlock()
	for _, e := range propErrs { // not under mu: the reader may be in SetProperties
		r.warn(ctx, e.Error())
	}
	defer func() {
		r.mu.Lock()
		r.lastBackground = backgroundTIDs(in)
		r.inst = nil
		r.mu.Unlock()
		if !freeInst(in) {
			r.warn(ctx, fmt.Sprintf("GStreamer did not stop the pipeline within %s (a deadlock inside GStreamer); it was abandoned", teardownTimeout))
		}
	}()
	C.avw_inst_probe(in)
	if r.background() {
		C.avw_inst_background(in)
	}

	ret := C.avw_inst_set_state(in, C.GST_STATE_PAUSED)
	live := ret == C.GST_STATE_CHANGE_NO_PREROLL
	if ret != C.GST_STATE_CHANGE_FAILURE {
		C.avw_inst_set_state(in, C.GST_STATE_PLAYING)
	}
	// A state change failure posts its reason as an error on the bus: the
	// loop below reads it like any other error.

	var (
		counts    [2]int64
		playing   bool
		decKnown  bool
		eosAt     time.Time
		lastStats = time.Now()
		statCount int64
		lastProg  = time.Now()
	)
	for {
		if ctx.Err() != nil {
			return outcome{kind: outStopped}
		}
		// progress reports new buffers: decoder in use, playing, watchdog.
		progress := func() (v, a int64, progressed bool) {
			v, a = int64(C.avw_inst_buffers(in, C.AVW_VIDEO)), int64(C.avw_inst_buffers(in, C.AVW_AUDIO))
			progressed = v != counts[0] || a != counts[1]
			if progressed {
				counts = [2]int64{v, a}
				lastProg = time.Now()
				r.lastPTS = maxPTS(in)
				if !decKnown && v > 0 {
					// The decoder actually picked (decodebin3 decides at
					// run time), reported once per pipeline.
					decKnown = true
					if dec := decoderInUse(in); dec != "" {
						r.decoder = dec
						r.emit(ctx, event.Event{Kind: event.KindDecoder, Decoder: dec, Fallback: r.fallback})
					}
				}
				if !playing {
					playing = true
					r.state(ctx, event.Playing, "")
				}
			}
			r.watch(ctx, &progressed)
			return v, a, progressed
		}
		m := C.avw_inst_pop(in, C.gint64(r.opts.Poll))
		if m != nil {
			out, done := r.handle(ctx, in, m, plan, int64(C.avw_inst_buffers(in, C.AVW_VIDEO)))
			C.avw_msg_unref(m)
			if done {
				v, a, _ := progress() // a short file may end within one poll
				out.ran = time.Since(started)
				out.live = live
				out.frames = [2]int64{v, a}
				if r.opts.StatsInterval > 0 {
					r.emit(ctx, event.Event{Kind: event.KindStats, Element: "pipeline", Stats: runnerStats(in, v, a, -1, r.restarts)})
				}
				return out
			}
		}
		v, a, _ := progress()
		stalled := time.Since(lastProg) >= r.spec.StallTimeout+r.opts.StallRestart && time.Since(started) >= r.spec.StallTimeout+r.opts.StallRestart
		frames := [2]int64{v, a}
		switch {
		case stalled && (r.live() || r.src == nil && live):
			msg := fmt.Sprintf("no data for %s", (r.spec.StallTimeout + r.opts.StallRestart).Round(time.Millisecond))
			return outcome{kind: outFailed, msg: msg, ran: time.Since(started), live: live, frames: frames}
		case stalled:
			// A file that stops decoding without an error or EOS (GStreamer
			// lost an error, or a branch waits for a stream that never
			// comes) must not hang avwatch check.
			msg := fmt.Sprintf("decoding stalled: nothing decoded for %s; the file is probably damaged", (r.spec.StallTimeout + r.opts.StallRestart).Round(time.Millisecond))
			r.emit(ctx, event.Event{Kind: event.KindError, Message: msg})
			return outcome{kind: outFailed, msg: msg, ran: time.Since(started), live: live, frames: frames}
		case !r.live() && !(r.src == nil && live) && branchesDone(in):
			// Every branch that carried data has ended while another never
			// got any: the pipeline-wide EOS would wait for it forever.
			if eosAt.IsZero() {
				eosAt = time.Now()
			} else if time.Since(eosAt) >= 500*time.Millisecond {
				return outcome{kind: outEOS, ran: time.Since(started), frames: frames}
			}
		}
		if r.opts.StatsInterval > 0 && time.Since(lastStats) >= r.opts.StatsInterval {
			dt := time.Since(lastStats).Seconds()
			lastStats = time.Now()
			st := runnerStats(in, v, a, float64(v-statCount)/dt, r.restarts)
			statCount = v
			select { // stats may be dropped, never block the pipeline on them
			case r.events <- event.Event{Kind: event.KindStats, Wall: time.Now(), Element: "pipeline", Stats: st}:
			default:
			}
		}
	}
}

// runnerStats are the runner's own stats (Element "pipeline").
func runnerStats(in *C.avw_inst, v, a int64, fps float64, restarts int) map[string]float64 {
	st := map[string]float64{
		"video_frames":  float64(v),
		"audio_buffers": float64(a),
		"restarts":      float64(restarts),
	}
	if fps >= 0 { // -1: the final stats at the end, no interval
		st["fps"] = fps
	}
	if pos := int64(C.avw_inst_position(in)); pos >= 0 {
		st["position_s"] = time.Duration(pos).Seconds()
	}
	if d := int64(C.avw_inst_duration(in)); d > 0 {
		st["duration_s"] = time.Duration(d).Seconds()
	}
	// The PTS of the first frame or sample analysed: media time zero for
	// events the runner could not stamp itself (signal_loss). A transport
	// stream's timestamps do not start at 0.
	if first := int64(C.avw_inst_origin(in, 0)); first >= 0 {
		st["first_pts_s"] = time.Duration(first).Seconds()
	}
	// The same on the presentation timeline (mediaTime's first choice).
	// Both settle once every analysed stream has had its first buffer; an
	// event handled before that (audio running ahead while a GPU decoder
	// starts) was dated from the streams seen so far, and a reader that
	// waits for the end (avwatch check) can date it again from these.
	if first := int64(C.avw_inst_origin(in, 1)); first >= 0 {
		st["first_st_s"] = time.Duration(first).Seconds()
	}
	return st
}

// branchesDone reports whether the branches that received buffers have all
// seen EOS while at least one other branch received nothing.
func branchesDone(in *C.avw_inst) bool {
	ended, empty := 0, 0
	for _, k := range []C.int{C.AVW_VIDEO, C.AVW_AUDIO} {
		if C.avw_inst_analysers(in, k) == 0 {
			continue
		}
		switch {
		case C.avw_inst_buffers(in, k) == 0:
			empty++
		case C.avw_inst_eos(in, k) >= C.avw_inst_analysers(in, k):
			ended++
		default:
			return false
		}
	}
	return ended > 0 && empty > 0
}

// mediaTime places d on the run's own timeline (event.MediaTimeOf) with
// the origins known now. The probes record the first buffer before the
// analyser sees it, so the origin of the stream that posted d is known; the
// other stream's may not be yet (first_st_s and first_pts_s in the final
// stats are the settled ones).
func mediaTime(in *C.avw_inst, d defect.Event) (time.Duration, bool) {
	return event.MediaTimeOf(d, time.Duration(C.avw_inst_origin(in, 1)), time.Duration(C.avw_inst_origin(in, 0)))
}

func maxPTS(in *C.avw_inst) time.Duration {
	v, a := int64(C.avw_inst_last_pts(in, C.AVW_VIDEO)), int64(C.avw_inst_last_pts(in, C.AVW_AUDIO))
	return time.Duration(max(v, a))
}

// decoderInUse returns the video decoder element inside the pipeline.
func decoderInUse(in *C.avw_inst) string {
	d := C.avw_inst_video_decoder(in)
	if d == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(d))
	return C.GoString(d)
}

// handle turns one bus message into events; done ends the pipeline.
func (r *stream) handle(ctx context.Context, in *C.avw_inst, m *C.GstMessage, plan launch.Plan, videoBuffers int64) (outcome, bool) {
	if p, ok := message.Parse(unsafe.Pointer(m)); ok {
		switch p.Kind {
		case message.KindDefect:
			ev := event.Event{Kind: event.KindDefect, Element: p.Element, Defect: p.Defect}
			ev.MediaTime, ev.HasMediaTime = mediaTime(in, p.Defect)
			r.emit(ctx, ev)
		case message.KindSnapshot:
			ev := event.Event{Kind: event.KindSnapshot, Element: p.Element, Defect: p.Defect, Snapshot: p.JPEG}
			ev.MediaTime, ev.HasMediaTime = mediaTime(in, p.Defect)
			r.emit(ctx, ev)
		case message.KindStats:
			r.emit(ctx, event.Event{Kind: event.KindStats, Element: p.Element, Stats: p.Stats})
		}
		return outcome{}, false
	}
	var info C.avw_msg
	C.avw_msg_read(m, &info)
	defer C.avw_msg_clear(&info)
	switch info._type {
	case C.GST_MESSAGE_EOS:
		if info.from_top != 0 {
			return outcome{kind: outEOS}, true
		}
	case C.GST_MESSAGE_ERROR:
		src, origin := C.GoString(info.src), C.GoString(info.origin)
		msg := errorText(src, C.GoString(info.text), C.GoString(info.debug))
		hw := plan.Hardware && !r.fallback && (r.fromHardware(origin) || videoBuffers == 0 && !fromSource(origin))
		if strings.Contains(msg, "not-negotiated") {
			if why, audio := undecodable(r.collection); why != "" {
				if audio != "" && r.undecodedAudio == "" && r.src != nil && r.spec.Pipeline == "" && plan.Video != "" {
					// Not an error yet: the next attempt leaves the audio
					// undecoded (run warns).
					return outcome{kind: outFailed, msg: why, undecodedAudio: audio}, true
				}
				// No decoder, hardware or software, takes the stream:
				// falling back to software would fail the same way.
				msg, hw = why+" ("+msg+")", false
			}
		}
		if hw {
			r.failedHW = firstFactory(origin)
		}
		r.emit(ctx, event.Event{Kind: event.KindError, Message: msg})
		return outcome{kind: outFailed, msg: msg, hardware: hw}, true
	case C.GST_MESSAGE_WARNING:
		text := C.GoString(info.text)
		if strings.Contains(text, "Delayed linking failed") { // the spare rtspsrc link, see launch
			return outcome{}, false
		}
		r.emit(ctx, event.Event{Kind: event.KindWarning, Message: errorText(C.GoString(info.src), text, C.GoString(info.debug))})
	case C.GST_MESSAGE_STREAM_COLLECTION:
		r.collection = C.GoString(info.streams)
		// Learn the codec where the probe could not (for a later fallback).
		if m, _ := mediaFromStreams(r.collection); m.Codec != launch.Unknown && r.media != nil && r.media.Codec == launch.Unknown {
			r.media.Codec = m.Codec
		}
	}
	return outcome{}, false
}

// fromHardware reports whether an error came from a hardware decoder or its
// conversion.
func (r *stream) fromHardware(origin string) bool {
	for _, line := range strings.Split(origin, "\n") {
		f, klass, _ := strings.Cut(line, "|")
		if r.hw[f] || strings.Contains(klass, "Hardware") && strings.Contains(klass, "Decoder") {
			return true
		}
	}
	return false
}

// fromSource reports whether an error came from the source side (network,
// file): those are retried, not blamed on the decoder.
func fromSource(origin string) bool {
	for _, line := range strings.Split(origin, "\n") {
		_, klass, _ := strings.Cut(line, "|")
		if strings.Contains(klass, "Source") {
			return true
		}
	}
	return false
}

func firstFactory(origin string) string {
	f, _, _ := strings.Cut(origin, "|")
	return f
}
