// Package outbox is the agent's durable queue of MQTT messages that must
// reach the broker: alerts and defect states. A message is appended to a
// segment file and fsync'd before Append returns, read back in order by the
// sender, and forgotten only when Ack says the broker acknowledged it. It
// survives a broker outage, a kill -9 and (thanks to the fsync) a power cut.
//
// Layout of Dir:
//
//	lock                   flock'd while an agent owns the outbox
//	state                  acked sequence number + dropped counter (+ CRC)
//	<16 hex digits>.seg    records, named by their first sequence number
//
// Appends are group-committed: concurrent appenders share one fsync, so the
// cost per alert falls as the rate rises. Acks are written to the state file
// without fsync: the page cache survives a kill -9, and after a power cut
// an unsynced ack only means a redelivery, which QoS 1 allows (the alert id
// tells the duplicate).
package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Record is one queued MQTT message.
type Record struct {
	Seq      uint64 // assigned by Append, increasing by one per record
	Topic    string
	QoS      byte
	Retained bool
	Payload  []byte
}

// Options configures Open.
type Options struct {
	Dir string
	// MaxMessages bounds the queue; when an append would exceed it, the
	// oldest records are dropped and counted.
	MaxMessages int
	// SegmentRecords is how many records go in one file before a new one
	// starts (acked files are deleted whole). Default 4096.
	SegmentRecords int
	// OnDrop is told how many records were just dropped and the total so
	// far. It runs after Append released its lock.
	OnDrop func(n int, total uint64)
	Logger *slog.Logger
}

// Outbox is safe for concurrent use.
type Outbox struct {
	opts Options
	log  *slog.Logger
	lock *os.File

	mu      sync.Mutex
	synced  *sync.Cond // broadcast when syncedSeq advances
	closed  bool
	pending []Record // unacked records, contiguous seqs, oldest first
	nextSeq uint64
	acked   uint64 // every seq <= acked is acknowledged or dropped
	// syncedSeq is the last seq known to be on disk; the sender sees only
	// records up to it, so nothing is sent before it is durable.
	syncedSeq uint64
	syncing   bool
	dropped   uint64
	segs      []segment // oldest first; the last is being written
	cur       *os.File
	retired   []*os.File // rotated out while an fsync of them ran
	curN      int
	state     *os.File
	wake      chan struct{} // closed when new records become visible
}

type segment struct {
	first, last uint64 // last == first-1 while empty
	path        string
}

const (
	headerLen = 8 // length + crc32c
	maxRecord = 16 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("outbox: closed")

// Open opens (creating if needed) the outbox in opts.Dir and loads what a
// previous run left unacknowledged. A torn last record (a crash mid-write)
// is cut off and logged; it was never acknowledged to anyone as queued.
func Open(opts Options) (*Outbox, error) {
	if opts.MaxMessages <= 0 {
		opts.MaxMessages = 100000
	}
	if opts.SegmentRecords <= 0 {
		opts.SegmentRecords = 4096
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	o := &Outbox{opts: opts, log: opts.Logger, wake: make(chan struct{})}
	o.synced = sync.NewCond(&o.mu)
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("outbox: %w (set outbox.dir to a writable directory)", err)
	}
	lock, err := os.OpenFile(filepath.Join(opts.Dir, "lock"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w (set outbox.dir to a writable directory)", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("outbox: %s is in use by another avwatch process; give each agent its own outbox.dir", opts.Dir)
	}
	o.lock = lock
	if err := o.load(); err != nil {
		o.lock.Close()
		return nil, err
	}
	return o, nil
}

func (o *Outbox) load() error {
	st, err := os.OpenFile(filepath.Join(o.opts.Dir, "state"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	o.state = st
	var buf [20]byte
	if n, _ := st.ReadAt(buf[:], 0); n == len(buf) {
		if crc32.Checksum(buf[:16], castagnoli) == binary.LittleEndian.Uint32(buf[16:]) {
			o.acked = binary.LittleEndian.Uint64(buf[0:])
			o.dropped = binary.LittleEndian.Uint64(buf[8:])
		} else {
			// Resend rather than lose: a torn state means acks are unknown.
			o.log.Warn("outbox: state file is damaged; unacknowledged status unknown, resending everything on disk (duplicates carry the same alert id)", "dir", o.opts.Dir)
		}
	}
	names, err := filepath.Glob(filepath.Join(o.opts.Dir, "*.seg"))
	if err != nil {
		return err
	}
	sort.Strings(names) // fixed-width hex names sort by first seq
	maxSeq := o.acked
	for i, name := range names {
		first, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(name), ".seg"), 16, 64)
		if err != nil {
			o.log.Warn("outbox: ignoring a file that is not a segment", "file", name)
			continue
		}
		recs, good, err := readSegment(name)
		if err != nil {
			return err
		}
		if fi, _ := os.Stat(name); fi != nil && fi.Size() > good {
			if i == len(names)-1 {
				o.log.Warn("outbox: cutting a torn record off the end (crash while writing)", "file", name, "at", good)
			} else {
				o.log.Error("outbox: a segment is damaged; records after the damage are lost", "file", name, "at", good)
			}
			if err := os.Truncate(name, good); err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
		}
		seg := segment{first: first, last: first - 1, path: name}
		for _, r := range recs {
			seg.last = r.Seq
			maxSeq = max(maxSeq, r.Seq)
			if r.Seq > o.acked && (len(o.pending) == 0 || r.Seq > o.pending[len(o.pending)-1].Seq) {
				o.pending = append(o.pending, r)
			}
		}
		if seg.last <= o.acked {
			os.Remove(name)
			continue
		}
		o.segs = append(o.segs, seg)
	}
	// Seqs in pending must be contiguous for index arithmetic; a damaged
	// middle segment can leave a gap, which we close by renumbering nothing
	// but by treating the gap as dropped.
	if len(o.pending) > 0 && o.pending[0].Seq > o.acked+1 {
		o.acked = o.pending[0].Seq - 1
	}
	for i := 1; i < len(o.pending); i++ {
		if o.pending[i].Seq != o.pending[i-1].Seq+1 {
			o.log.Error("outbox: records missing after a damaged segment; later records are delivered", "from", o.pending[i-1].Seq+1, "to", o.pending[i].Seq-1)
			o.pending = o.pending[i:]
			o.acked = o.pending[0].Seq - 1
			i = 0
		}
	}
	o.nextSeq = maxSeq + 1
	o.syncedSeq = maxSeq
	if n := len(o.pending) - o.opts.MaxMessages; n > 0 {
		o.dropOldest(n)
		o.log.Warn("outbox: more queued than outbox.max_messages allows; dropped the oldest", "dropped", n, "total_dropped", o.dropped)
	}
	if len(o.pending) > 0 {
		o.log.Info("outbox: resuming", "queued", len(o.pending), "first_seq", o.pending[0].Seq)
	}
	return o.writeState()
}

// readSegment returns the valid records of a file and the offset where they
// end (where a torn or damaged record starts, or the file's size).
func readSegment(name string) ([]Record, int64, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, 0, fmt.Errorf("outbox: %w", err)
	}
	var recs []Record
	off := 0
	for off+headerLen <= len(b) {
		n := int(binary.LittleEndian.Uint32(b[off:]))
		sum := binary.LittleEndian.Uint32(b[off+4:])
		if n < 11 || n > maxRecord || off+headerLen+n > len(b) {
			break
		}
		body := b[off+headerLen : off+headerLen+n]
		if crc32.Checksum(body, castagnoli) != sum {
			break
		}
		r, ok := decode(body)
		if !ok {
			break
		}
		recs = append(recs, r)
		off += headerLen + n
	}
	return recs, int64(off), nil
}

func encode(buf []byte, r *Record) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, headerLen)...)
	buf = binary.LittleEndian.AppendUint64(buf, r.Seq)
	flags := r.QoS & 3
	if r.Retained {
		flags |= 4
	}
	buf = append(buf, flags)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(r.Topic)))
	buf = append(buf, r.Topic...)
	buf = append(buf, r.Payload...)
	body := buf[start+headerLen:]
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(body)))
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(body, castagnoli))
	return buf
}

func decode(body []byte) (Record, bool) {
	r := Record{Seq: binary.LittleEndian.Uint64(body)}
	flags := body[8]
	r.QoS, r.Retained = flags&3, flags&4 != 0
	tl := int(binary.LittleEndian.Uint16(body[9:]))
	if 11+tl > len(body) {
		return r, false
	}
	r.Topic = string(body[11 : 11+tl])
	r.Payload = append([]byte(nil), body[11+tl:]...)
	return r, true
}

// Append assigns the next sequence numbers to the records build returns
// (build gets the first, so payloads can carry it), writes them and
// returns once they are on disk. build runs under the outbox lock: keep it
// short and do not call the outbox from it.
//
// On a write or fsync error the records stay queued in memory and are
// still delivered; the error says they would not survive a crash.
func (o *Outbox) Append(build func(firstSeq uint64) []Record) error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return ErrClosed
	}
	first := o.nextSeq
	recs := build(first)
	if len(recs) == 0 {
		o.mu.Unlock()
		return nil
	}
	var buf []byte
	for i := range recs {
		recs[i].Seq = first + uint64(i)
		if len(recs[i].Topic) > 0xffff || len(recs[i].Payload) > maxRecord-11-len(recs[i].Topic) {
			o.mu.Unlock()
			return fmt.Errorf("outbox: record for %s is too large (%d bytes)", recs[i].Topic, len(recs[i].Payload))
		}
		buf = encode(buf, &recs[i])
	}
	o.nextSeq += uint64(len(recs))
	last := o.nextSeq - 1
	werr := o.write(first, len(recs), buf)
	o.pending = append(o.pending, recs...)
	ndrop := 0
	if n := len(o.pending) - o.opts.MaxMessages; n > 0 {
		ndrop = o.dropOldest(n)
	}
	// Group commit: one appender fsyncs for everyone who wrote before it
	// started; the others wait for that fsync to cover them.
	var serr error
	for o.syncedSeq < last && !o.closed {
		if o.syncing {
			o.synced.Wait()
			continue
		}
		o.syncing = true
		f, upto := o.cur, o.nextSeq-1
		o.mu.Unlock()
		var err error
		if f != nil {
			err = f.Sync()
		}
		o.mu.Lock()
		o.syncing = false
		for _, r := range o.retired {
			r.Close()
		}
		o.retired = nil
		if err != nil {
			serr = err
		}
		if upto > o.syncedSeq {
			o.syncedSeq = upto
			close(o.wake)
			o.wake = make(chan struct{})
		}
		o.synced.Broadcast()
	}
	total := o.dropped
	o.mu.Unlock()
	if ndrop > 0 && o.opts.OnDrop != nil {
		o.opts.OnDrop(ndrop, total)
	}
	if werr != nil {
		return fmt.Errorf("outbox: %w (alerts are kept in memory and still sent, but would not survive a crash)", werr)
	}
	if serr != nil {
		return fmt.Errorf("outbox: fsync: %w (alerts are kept in memory and still sent, but would not survive a crash)", serr)
	}
	return nil
}

// write appends encoded records to the current segment, starting a new
// one when it is full. Called with o.mu held.
func (o *Outbox) write(first uint64, n int, buf []byte) error {
	if o.cur == nil || o.curN+n > o.opts.SegmentRecords {
		if err := o.rotate(first); err != nil {
			return err
		}
	}
	if _, err := o.cur.Write(buf); err != nil {
		return err
	}
	o.curN += n
	o.segs[len(o.segs)-1].last = first + uint64(n) - 1
	return nil
}

// rotate closes the current segment (once fsync'd) and starts a new one.
func (o *Outbox) rotate(first uint64) error {
	if o.cur != nil {
		// Sync here rather than wait for an appender that may be fsyncing
		// o.cur: waiting would release the lock mid-append and let later
		// seqs overtake ours. If one is fsyncing, it closes the file.
		if err := o.cur.Sync(); err != nil {
			return err
		}
		if o.syncing {
			o.retired = append(o.retired, o.cur)
		} else {
			o.cur.Close()
		}
		o.cur = nil
	}
	name := filepath.Join(o.opts.Dir, fmt.Sprintf("%016x.seg", first))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	// The new file's directory entry must be durable too, or a power cut
	// could lose the whole segment despite the record fsyncs.
	if d, err := os.Open(o.opts.Dir); err == nil {
		d.Sync()
		d.Close()
	}
	o.cur, o.curN = f, 0
	o.segs = append(o.segs, segment{first: first, last: first - 1, path: name})
	return nil
}

// dropOldest forgets the n oldest pending records. Called with o.mu held.
func (o *Outbox) dropOldest(n int) int {
	n = min(n, len(o.pending))
	if n == 0 {
		return 0
	}
	o.acked = o.pending[n-1].Seq
	o.pending = append(o.pending[:0:0], o.pending[n:]...)
	o.dropped += uint64(n)
	o.removeAckedSegments()
	o.writeState()
	return n
}

// Peek returns up to max records with Seq > after that are on disk, in
// order. Records are shared: do not modify them.
func (o *Outbox) Peek(after uint64, max int) []Record {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pending) == 0 {
		return nil
	}
	first := o.pending[0].Seq
	start := 0
	if after >= first {
		start = int(after - first + 1)
	}
	end := len(o.pending)
	if o.syncedSeq < o.pending[end-1].Seq {
		end -= int(o.pending[end-1].Seq - o.syncedSeq)
	}
	if start >= end {
		return nil
	}
	end = min(end, start+max)
	return append([]Record(nil), o.pending[start:end]...)
}

// Wait returns a channel that is closed when records appended after this
// call become visible to Peek.
func (o *Outbox) Wait() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.wake
}

// Ack says the broker acknowledged every record up to seq.
func (o *Outbox) Ack(seq uint64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if seq <= o.acked {
		return nil
	}
	i := 0
	for i < len(o.pending) && o.pending[i].Seq <= seq {
		i++
	}
	// Reslice, copying now and then so the backing array does not grow
	// without bound under a steady flow.
	o.pending = o.pending[i:]
	if cap(o.pending) > 4*len(o.pending)+1024 {
		o.pending = append([]Record(nil), o.pending...)
	}
	o.acked = seq
	o.removeAckedSegments()
	return o.writeState()
}

// removeAckedSegments deletes files whose records are all acked, except
// the one being written. Called with o.mu held.
func (o *Outbox) removeAckedSegments() {
	keep := o.segs[:0]
	for i, s := range o.segs {
		current := i == len(o.segs)-1 && o.cur != nil
		if s.last <= o.acked && !current {
			os.Remove(s.path)
			continue
		}
		keep = append(keep, s)
	}
	o.segs = keep
}

func (o *Outbox) writeState() error {
	var buf [20]byte
	binary.LittleEndian.PutUint64(buf[0:], o.acked)
	binary.LittleEndian.PutUint64(buf[8:], o.dropped)
	binary.LittleEndian.PutUint32(buf[16:], crc32.Checksum(buf[:16], castagnoli))
	_, err := o.state.WriteAt(buf[:], 0)
	return err
}

// NextSeq is the sequence number the next Append will assign: every seq
// below it was written (and is pending, acked or dropped), none above.
func (o *Outbox) NextSeq() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.nextSeq
}

// Len is the number of records not yet acknowledged.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.pending)
}

// Dropped is the total of records dropped because the outbox was full,
// across restarts.
func (o *Outbox) Dropped() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dropped
}

// Close syncs and closes the files. Records not yet acked stay on disk for
// the next Open.
func (o *Outbox) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	for o.syncing {
		o.synced.Wait()
	}
	o.synced.Broadcast()
	var errs []error
	if o.cur != nil {
		errs = append(errs, o.cur.Sync(), o.cur.Close())
	}
	errs = append(errs, o.writeState(), o.state.Sync(), o.state.Close())
	syscall.Flock(int(o.lock.Fd()), syscall.LOCK_UN)
	errs = append(errs, o.lock.Close())
	return errors.Join(errs...)
}
