package outbox

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func open(t testing.TB, dir string, max int, seg int) *Outbox {
	t.Helper()
	o, err := Open(Options{Dir: dir, MaxMessages: max, SegmentRecords: seg})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func appendN(t testing.TB, o *Outbox, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		err := o.Append(func(seq uint64) []Record {
			return []Record{{Topic: "t/alerts", QoS: 1, Payload: []byte(fmt.Sprintf(`{"seq":%d}`, seq))}}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func seqs(rs []Record) []uint64 {
	var out []uint64
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}

func TestAppendPeekAckReopen(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, 1000, 4)
	appendN(t, o, 10)
	if err := o.Append(func(seq uint64) []Record {
		return []Record{
			{Topic: "a", QoS: 1, Payload: []byte("x")},
			{Topic: "b/defects/black", QoS: 1, Retained: true, Payload: []byte("y")},
		}
	}); err != nil {
		t.Fatal(err)
	}
	got := o.Peek(0, 100)
	if len(got) != 12 || got[0].Seq != 1 || got[11].Seq != 12 || !got[11].Retained || got[11].Topic != "b/defects/black" || string(got[0].Payload) != `{"seq":1}` {
		t.Fatalf("peek: %+v", got)
	}
	if p := o.Peek(5, 3); fmt.Sprint(seqs(p)) != "[6 7 8]" {
		t.Fatalf("peek after 5: %v", seqs(p))
	}
	o.Ack(7)
	if o.Len() != 5 {
		t.Fatalf("len %d after ack 7 of 12", o.Len())
	}
	// Segments 1-4 fully acked are gone; 5-8 stays (8 unacked).
	if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("%016x.seg", 1))); !os.IsNotExist(err) {
		t.Fatal("acked segment not deleted")
	}
	o.Close()

	o = open(t, dir, 1000, 4)
	defer o.Close()
	if got := seqs(o.Peek(0, 100)); fmt.Sprint(got) != "[8 9 10 11 12]" {
		t.Fatalf("after reopen: %v", got)
	}
	appendN(t, o, 1)
	if got := o.Peek(12, 10); len(got) != 1 || got[0].Seq != 13 {
		t.Fatalf("seq must continue after reopen: %v", seqs(got))
	}
}

func TestTornTailIsCut(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, 1000, 100)
	appendN(t, o, 5)
	o.Close()
	names, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	f, _ := os.OpenFile(names[len(names)-1], os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{40, 0, 0, 0, 1, 2, 3, 4, 9, 9}) // a record header promising 40 bytes, then a crash
	f.Close()

	o = open(t, dir, 1000, 100)
	defer o.Close()
	if got := seqs(o.Peek(0, 100)); fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Fatalf("after torn tail: %v", got)
	}
	appendN(t, o, 1)
	o.Close()
	o2 := open(t, dir, 1000, 100)
	defer o2.Close()
	if got := seqs(o2.Peek(0, 100)); fmt.Sprint(got) != "[1 2 3 4 5 6]" {
		t.Fatalf("append after cut: %v", got)
	}
}

func TestDamagedStateResendsEverything(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, 1000, 100)
	appendN(t, o, 3)
	o.Ack(2)
	o.Close()
	os.WriteFile(filepath.Join(dir, "state"), []byte("garbage-garbage-garbage"), 0o640)
	o = open(t, dir, 1000, 100)
	defer o.Close()
	if got := seqs(o.Peek(0, 100)); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("a damaged ack state must resend, not lose: %v", got)
	}
}

func TestFullDropsOldestAndCounts(t *testing.T) {
	dir := t.TempDir()
	var drops []string
	var mu sync.Mutex
	o, err := Open(Options{Dir: dir, MaxMessages: 10, SegmentRecords: 4, OnDrop: func(n int, total uint64) {
		mu.Lock()
		drops = append(drops, fmt.Sprintf("%d/%d", n, total))
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, o, 13)
	if got := seqs(o.Peek(0, 100)); fmt.Sprint(got) != "[4 5 6 7 8 9 10 11 12 13]" {
		t.Fatalf("kept %v", got)
	}
	if fmt.Sprint(drops) != "[1/1 1/2 1/3]" || o.Dropped() != 3 {
		t.Fatalf("drops %v, Dropped %d", drops, o.Dropped())
	}
	o.Close()
	o = open(t, dir, 10, 4)
	defer o.Close()
	if o.Dropped() != 3 {
		t.Fatalf("dropped counter must survive restarts, got %d", o.Dropped())
	}
	if got := seqs(o.Peek(0, 100)); fmt.Sprint(got) != "[4 5 6 7 8 9 10 11 12 13]" {
		t.Fatalf("after reopen kept %v", got)
	}
}

func TestConcurrentAppendersShareFsync(t *testing.T) {
	o := open(t, t.TempDir(), 100000, 64)
	defer o.Close()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			appendN(t, o, 50)
		}()
	}
	wg.Wait()
	got := o.Peek(0, 1000)
	if len(got) != 400 {
		t.Fatalf("%d records", len(got))
	}
	for i, r := range got {
		if r.Seq != uint64(i+1) || string(r.Payload) != fmt.Sprintf(`{"seq":%d}`, r.Seq) {
			t.Fatalf("record %d: seq %d payload %s", i, r.Seq, r.Payload)
		}
	}
}

func TestWaitWakesOnAppend(t *testing.T) {
	o := open(t, t.TempDir(), 100, 10)
	defer o.Close()
	w := o.Wait()
	go o.Append(func(uint64) []Record { return []Record{{Topic: "t", QoS: 1}} })
	select {
	case <-w:
	case <-time.After(5 * time.Second):
		t.Fatal("Wait not woken by Append")
	}
	if len(o.Peek(0, 10)) != 1 {
		t.Fatal("woken but nothing visible")
	}
}

func TestSecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, 100, 10)
	defer o.Close()
	_, err := Open(Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "in use by another avwatch process") {
		t.Fatalf("err = %v", err)
	}
}

// A process killed with SIGKILL right after Append returned loses nothing:
// every seq it reported as appended is there when the outbox reopens.
func TestKill9LosesNothingAppended(t *testing.T) {
	if os.Getenv("OUTBOX_CHILD_DIR") != "" {
		o, err := Open(Options{Dir: os.Getenv("OUTBOX_CHILD_DIR"), SegmentRecords: 50})
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		for {
			var s uint64
			o.Append(func(seq uint64) []Record {
				s = seq
				return []Record{{Topic: "t", QoS: 1, Payload: []byte(strconv.FormatUint(seq, 10))}}
			})
			if s%7 == 0 {
				o.Ack(s - 3) // the sender acks concurrently in real life
			}
			fmt.Println(s)
		}
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9LosesNothingAppended$")
	cmd.Env = append(os.Environ(), "OUTBOX_CHILD_DIR="+dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var last uint64
	for sc.Scan() {
		v, err := strconv.ParseUint(sc.Text(), 10, 64)
		if err != nil {
			t.Fatalf("child: %s", sc.Text())
		}
		last = v
		if last >= 300 {
			cmd.Process.Kill()
			break
		}
	}
	cmd.Wait()
	o := open(t, dir, 100000, 50)
	defer o.Close()
	got := o.Peek(0, 100000)
	if len(got) == 0 || got[len(got)-1].Seq < last {
		t.Fatalf("appended up to %d before kill -9, found %v", last, seqs(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq != got[i-1].Seq+1 || string(got[i].Payload) != strconv.FormatUint(got[i].Seq, 10) {
			t.Fatalf("gap or damage at %d", got[i].Seq)
		}
	}
	// Acked ones (up to a multiple of 7 minus 3) are not resent.
	if got[0].Seq > last-3 {
		t.Fatalf("first unacked %d after acks up to at most %d", got[0].Seq, last-3)
	}
	t.Logf("appended %d, %d unacked survive kill -9 (first %d)", last, len(got), got[0].Seq)
}

func BenchmarkAppend(b *testing.B) {
	o := open(b, b.TempDir(), 1<<30, 4096)
	defer o.Close()
	payload := []byte(strings.Repeat("x", 400))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o.Append(func(uint64) []Record { return []Record{{Topic: "avwatch/dev/s/alerts", QoS: 1, Payload: payload}} })
	}
}

// Parallel appenders share fsyncs (group commit): the per-alert cost drops.
func BenchmarkAppendParallel(b *testing.B) {
	o := open(b, b.TempDir(), 1<<30, 4096)
	defer o.Close()
	payload := []byte(strings.Repeat("x", 400))
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			o.Append(func(uint64) []Record { return []Record{{Topic: "avwatch/dev/s/alerts", QoS: 1, Payload: payload}} })
		}
	})
}
