package media

import (
	"fmt"
	"os"
	"runtime"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/avwatch/avwatch/testvideos/internal/synth"
)

// release drops our reference to a GStreamer buffer/sample now rather than
// when the GC gets round to the finalizer: raw frames are megabytes of C
// memory the Go GC does not see.
func releaseBuffer(b *gst.Buffer) {
	runtime.SetFinalizer(b, nil)
	b.Unref()
}

func releaseSample(s *gst.Sample) {
	runtime.SetFinalizer(s, nil)
	s.Unref()
}

// FrameTime is the PTS of frame i at fpsN/fpsD, as GStreamer rounds it
// (gst_util_uint64_scale: truncation).
func FrameTime(i, fpsN, fpsD int) time.Duration {
	return time.Duration(uint64(i) * uint64(time.Second) * uint64(fpsD) / uint64(fpsN))
}

// AU is one encoded H.264 access unit (byte-stream, one picture).
type AU struct {
	Data []byte
	PTS  time.Duration
	Dur  time.Duration
	Key  bool
}

// X264 holds the encoder settings of one segment. Everything that could
// make output differ between runs or machines is fixed: one thread, no
// B-frames (decode order = display order, one PES per picture), fixed GOP,
// no scene-cut keyframes, constant QP.
type X264 struct {
	QP     int    // constant quantiser, 0..51
	Extra  string // more x264 options, "key=value:key=value"
	KeyInt int    // frames between IDR pictures
	Preset string // x264 speed preset
}

// EncodeVideo renders frames [from, to) with render and encodes them as one
// closed H.264 segment (starting with an IDR picture).
func EncodeVideo(w, h, fpsN, fpsD, from, to int, enc X264, render func(i int, f *synth.Frame)) ([]AU, error) {
	Init()
	qp := enc.QP
	opts := fmt.Sprintf("min-keyint=%d:scenecut=0:stitchable=1", enc.KeyInt)
	if enc.Extra != "" {
		opts += ":" + enc.Extra
	}
	desc := fmt.Sprintf("appsrc name=src format=time block=true max-bytes=%d "+
		"caps=video/x-raw,format=I420,width=%d,height=%d,framerate=%d/%d,interlace-mode=progressive,colorimetry=bt709,pixel-aspect-ratio=1/1 ! "+
		"x264enc threads=1 sliced-threads=false speed-preset=%s bframes=0 key-int-max=%d pass=quant quantizer=%d qp-min=0 qp-max=51 option-string=%s ! "+
		"video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=sink sync=false",
		3*synth.FrameSize(w, h), w, h, fpsN, fpsD, enc.Preset, enc.KeyInt, min(qp, 50), opts)
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		return nil, fmt.Errorf("encoder pipeline: %w", err)
	}
	srcEl, _ := p.GetElementByName("src")
	sinkEl, _ := p.GetElementByName("sink")
	src, sink := app.SrcFromElement(srcEl), app.SinkFromElement(sinkEl)
	size := synth.FrameSize(w, h)
	var aus []AU
	feed := func() error {
		for i := from; i < to; i++ {
			buf := gst.NewBufferWithSize(int64(size))
			mi := buf.Map(gst.MapWrite)
			render(i, synth.FrameOver(unsafe.Slice((*byte)(mi.Data()), size), w, h))
			buf.Unmap()
			pts := FrameTime(i, fpsN, fpsD)
			buf.SetPresentationTimestamp(gst.ClockTime(pts))
			buf.SetDuration(gst.ClockTime(FrameTime(i+1, fpsN, fpsD) - pts))
			ret := src.PushBuffer(buf)
			releaseBuffer(buf)
			if ret != gst.FlowOK {
				return fmt.Errorf("push frame %d: %v", i, ret)
			}
		}
		src.EndStream()
		return nil
	}
	drain := func() error {
		for {
			s := sink.PullSample()
			if s == nil {
				return nil
			}
			b := s.GetBuffer()
			// x264enc shifts its output segment by 1000 h (room for
			// negative DTS); with no B-frames and no drops the n-th
			// picture out is frame from+n, so take the time from there.
			i := from + len(aus)
			aus = append(aus, AU{
				Data: b.Bytes(),
				PTS:  FrameTime(i, fpsN, fpsD),
				Dur:  FrameTime(i+1, fpsN, fpsD) - FrameTime(i, fpsN, fpsD),
				Key:  !b.HasFlags(gst.BufferFlagDeltaUnit),
			})
			releaseBuffer(b)
			releaseSample(s)
		}
	}
	if err := run(p, 10*time.Minute, feed, drain); err != nil {
		return nil, fmt.Errorf("encode frames %d..%d: %w", from, to, err)
	}
	if len(aus) != to-from {
		return nil, fmt.Errorf("encode frames %d..%d: got %d pictures", from, to, len(aus))
	}
	return aus, nil
}

// Mux describes one output file.
type Mux struct {
	Path       string
	Container  string // "mpegts" | "mp4"
	W, H       int
	FPSN, FPSD int
	Video      []AU
	AudioCodec string  // "aac" | "mp2"
	Audio      []int16 // interleaved stereo, 48 kHz
	// AudioShift moves every audio timestamp (compensates encoder delay so
	// that decoded sample k plays at k/48000 s).
	AudioShift time.Duration
}

// Write muxes the video access units with the encoded audio into m.Path.
func (m Mux) Write() error {
	Init()
	muxer := map[string]string{"mpegts": "mpegtsmux", "mp4": "mp4mux"}[m.Container]
	aenc := map[string]string{
		"aac": "avenc_aac bitrate=160000 ! aacparse",
		"mp2": "avenc_mp2 bitrate=256000 ! mpegaudioparse",
	}[m.AudioCodec]
	if muxer == "" || aenc == "" {
		return fmt.Errorf("mux %s: unknown container %q or audio codec %q", m.Path, m.Container, m.AudioCodec)
	}
	desc := fmt.Sprintf("appsrc name=v format=time block=true max-bytes=4000000 "+
		"caps=video/x-h264,stream-format=byte-stream,alignment=au,width=%d,height=%d,framerate=%d/%d,pixel-aspect-ratio=1/1 ! "+
		"h264parse ! queue ! %s name=mux ! filesink location=%s "+
		"appsrc name=a format=time block=true max-bytes=400000 "+
		"caps=audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2,channel-mask=(bitmask)0x3 ! "+
		"audioconvert ! %s ! queue ! mux.",
		m.W, m.H, m.FPSN, m.FPSD, muxer, m.Path, aenc)
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		return fmt.Errorf("mux pipeline: %w", err)
	}
	vEl, _ := p.GetElementByName("v")
	aEl, _ := p.GetElementByName("a")
	vsrc, asrc := app.SrcFromElement(vEl), app.SrcFromElement(aEl)
	feedV := func() error {
		for i, au := range m.Video {
			buf := gst.NewBufferFromBytes(au.Data)
			buf.SetPresentationTimestamp(gst.ClockTime(au.PTS))
			buf.SetDuration(gst.ClockTime(au.Dur))
			setDTS(buf, au.PTS)
			if !au.Key {
				buf.SetFlags(gst.BufferFlagDeltaUnit)
			}
			ret := vsrc.PushBuffer(buf)
			releaseBuffer(buf)
			if ret != gst.FlowOK {
				return fmt.Errorf("push picture %d: %v", i, ret)
			}
		}
		vsrc.EndStream()
		return nil
	}
	feedA := func() error {
		const chunk = 960 // 20 ms
		total := len(m.Audio) / 2
		for pos := 0; pos < total; pos += chunk {
			n := min(chunk, total-pos)
			b := unsafe.Slice((*byte)(unsafe.Pointer(&m.Audio[2*pos])), 4*n)
			buf := gst.NewBufferFromBytes(b)
			pts := time.Duration(int64(pos)*int64(time.Second)/synth.Rate) + m.AudioShift
			end := time.Duration(int64(pos+n)*int64(time.Second)/synth.Rate) + m.AudioShift
			buf.SetPresentationTimestamp(gst.ClockTime(pts))
			buf.SetDuration(gst.ClockTime(end - pts))
			ret := asrc.PushBuffer(buf)
			releaseBuffer(buf)
			if ret != gst.FlowOK {
				return fmt.Errorf("push audio at %d: %v", pos, ret)
			}
		}
		asrc.EndStream()
		return nil
	}
	if err := run(p, 10*time.Minute, feedV, feedA); err != nil {
		os.Remove(m.Path)
		return fmt.Errorf("mux %s: %w", m.Path, err)
	}
	return nil
}
