package score

import (
	"bytes"
	"io"
	"math"

	"github.com/avwatch/avwatch/elements/defect"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// Stat is a mean and maximum of absolute values; N is how many went in.
type Stat struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

func (s *Stat) add(v float64) {
	v = math.Abs(v)
	s.Mean = (s.Mean*float64(s.N) + v) / float64(s.N+1)
	s.Max = math.Max(s.Max, v)
	s.N++
}

// Type is the summary of one defect type over all clips.
type Type struct {
	Type defect.Type `json:"type"`
	TP   int         `json:"tp"`
	FP   int         `json:"fp"`
	FN   int         `json:"fn"`
	// DecoyHits and ControlFP are the false positives that landed in a
	// decoy window or on a control clip (also counted in FP).
	DecoyHits int `json:"decoy_hits"`
	ControlFP int `json:"control_fp"`
	Optional  int `json:"optional_reported"`
	// Precision and Recall are nil when undefined (nothing reported /
	// nothing to find).
	Precision *float64 `json:"precision"`
	Recall    *float64 `json:"recall"`
	// Start and End are timing errors beyond tolerance (seconds) of the
	// true positives; Offset is the av_offset error (ms).
	Start  Stat  `json:"start_err_s"`
	End    Stat  `json:"end_err_s"`
	Offset *Stat `json:"offset_err_ms,omitempty"`
}

// Summarize aggregates clip results per defect type, in defect.Types order.
func Summarize(clips []Clip) []Type {
	by := map[defect.Type]*Type{}
	get := func(t defect.Type) *Type {
		if by[t] == nil {
			by[t] = &Type{Type: t}
		}
		return by[t]
	}
	for _, c := range clips {
		for _, m := range c.TP {
			s := get(m.Truth.Type)
			s.TP++
			s.Start.add(m.StartExcessS)
			s.End.add(m.EndExcessS)
			if m.OffsetErrMs != nil {
				if s.Offset == nil {
					s.Offset = &Stat{}
				}
				s.Offset.add(*m.OffsetErrMs)
			}
		}
		for _, m := range c.Optional {
			get(m.Truth.Type).Optional++
		}
		for _, e := range c.FN {
			get(e.Type).FN++
		}
		for _, d := range c.FP {
			s := get(d.Type)
			s.FP++
			if c.Control {
				s.ControlFP++
			}
		}
		for _, h := range c.DecoyHits {
			get(h.Found.Type).DecoyHits++
		}
	}
	types := map[defect.Type]bool{}
	for t := range by {
		types[t] = true
	}
	var out []Type
	for _, t := range sortedTypes(types) {
		s := by[t]
		if s.TP+s.FP > 0 {
			p := float64(s.TP) / float64(s.TP+s.FP)
			s.Precision = &p
		}
		if s.TP+s.FN > 0 {
			r := float64(s.TP) / float64(s.TP+s.FN)
			s.Recall = &r
		}
		out = append(out, *s)
	}
	return out
}
