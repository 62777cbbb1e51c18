package defect

import (
	"testing"
	"time"
)

const frame = 40 * time.Millisecond // 25 fps

type edgeAt struct {
	edge Edge
	at   time.Duration
}

// run feeds verdicts one frame apart and collects the edges.
func run(g *Gate, verdicts string) []edgeAt {
	var out []edgeAt
	for i, c := range verdicts {
		if e, at, ok := g.Step(time.Duration(i)*frame, c == 'x'); ok {
			out = append(out, edgeAt{e, at})
		}
	}
	if s, started, e, ended := g.Flush(time.Duration(len(verdicts)) * frame); started || ended {
		if started {
			out = append(out, edgeAt{Start, s})
		}
		if ended {
			out = append(out, edgeAt{End, e})
		}
	}
	return out
}

func TestGate(t *testing.T) {
	cases := []struct {
		name       string
		min, clear time.Duration
		verdicts   string // '.' good, 'x' bad, one per frame
		want       []edgeAt
	}{
		{"zero gate follows verdicts", 0, 0, "..xx..", []edgeAt{{Start, 2 * frame}, {End, 4 * frame}}},
		{"too short is ignored", 3 * frame, 0, "..xx....", nil},
		{"start dated at first bad frame", 3 * frame, 0, "..xxxxx..", []edgeAt{{Start, 2 * frame}, {End, 7 * frame}}},
		{"glitch inside window does not split it", 0, 2 * frame, ".xxx.xxx...", []edgeAt{{Start, 1 * frame}, {End, 8 * frame}}},
		{"open window ends at flush", 0, 0, "..xxx", []edgeAt{{Start, 2 * frame}, {End, 5 * frame}}},
		{"clearing window ends at first good frame on flush", 0, 5 * frame, "..xx..", []edgeAt{{Start, 2 * frame}, {End, 4 * frame}}},
		{"candidate long enough at flush starts and ends", 3 * frame, 0, "..xxx", []edgeAt{{Start, 2 * frame}, {End, 5 * frame}}},
		{"candidate too short at flush is dropped", 4 * frame, 0, "..xxx", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := &Gate{MinDuration: c.min, ClearDuration: c.clear}
			got := run(g, c.verdicts)
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("edge %d: got %v, want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// FuzzGate checks the invariants any verdict sequence must keep: edges
// alternate start/end, every end follows its start, and the gate is closed
// after Flush.
func FuzzGate(f *testing.F) {
	f.Add([]byte("..xx..xxxx.x"), uint8(2), uint8(1))
	f.Fuzz(func(t *testing.T, verdicts []byte, minFrames, clearFrames uint8) {
		g := &Gate{MinDuration: time.Duration(minFrames) * frame, ClearDuration: time.Duration(clearFrames) * frame}
		s := make([]rune, len(verdicts))
		for i, b := range verdicts {
			s[i] = '.'
			if b&1 == 1 {
				s[i] = 'x'
			}
		}
		edges := run(g, string(s))
		for i, e := range edges {
			want := Start
			if i%2 == 1 {
				want = End
				if e.at < edges[i-1].at {
					t.Fatalf("end %v before start %v", e.at, edges[i-1].at)
				}
			}
			if e.edge != want {
				t.Fatalf("edge %d is %s, want %s: %v", i, e.edge, want, edges)
			}
		}
		if len(edges)%2 != 0 || g.Active() {
			t.Fatalf("gate left open: %v", edges)
		}
	})
}

func TestGateBridge(t *testing.T) {
	cases := []struct {
		name               string
		min, clear, bridge time.Duration
		verdicts           string
		want               []edgeAt
	}{
		{"lone good frame inside a candidate is bridged", 4 * frame, 0, 2 * frame, "..xx.xxx...", []edgeAt{{Start, 2 * frame}, {End, 8 * frame}}},
		{"gap as long as the bridge drops the candidate", 4 * frame, 0, 2 * frame, "..xx..xxx..", nil},
		{"bad frame right after a long gap starts a new candidate", 3 * frame, 0, 2 * frame, "xx...xxxx.", []edgeAt{{Start, 5 * frame}, {End, 9 * frame}}},
		{"candidate in a gap at flush ends where the gap began", 2 * frame, 0, 3 * frame, "xxx.", []edgeAt{{Start, 0}, {End, 3 * frame}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := &Gate{MinDuration: c.min, ClearDuration: c.clear, Bridge: c.bridge}
			got := run(g, c.verdicts)
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("edge %d: got %v, want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// FuzzGateBridge keeps the alternation invariants with a bridge.
func FuzzGateBridge(f *testing.F) {
	f.Add([]byte("..xx.xx..xxxx.x"), uint8(2), uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, verdicts []byte, minFrames, clearFrames, bridgeFrames uint8) {
		g := &Gate{MinDuration: time.Duration(minFrames) * frame, ClearDuration: time.Duration(clearFrames) * frame, Bridge: time.Duration(bridgeFrames) * frame}
		s := make([]rune, len(verdicts))
		for i, b := range verdicts {
			s[i] = '.'
			if b&1 == 1 {
				s[i] = 'x'
			}
		}
		edges := run(g, string(s))
		for i, e := range edges {
			want := Start
			if i%2 == 1 {
				want = End
				if e.at < edges[i-1].at {
					t.Fatalf("end %v before start %v", e.at, edges[i-1].at)
				}
			}
			if e.edge != want {
				t.Fatalf("edge %d is %s, want %s: %v", i, e.edge, want, edges)
			}
		}
		if len(edges)%2 != 0 || g.Active() || !g.Idle() {
			t.Fatalf("gate left open: %v", edges)
		}
	})
}
