// Package ingest is the POST /api/events hot path: decode, validate,
// enrich, and commit events in groups through one writer.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openfast/openfast"
)

// Errors a submitter gets instead of an acknowledgement. Both are 503s:
// the client should retry later; nothing was stored.
var (
	ErrQueueFull = openfast.Errorf(openfast.EUNAVAILABLE, "The event queue is full; retry shortly.")
	ErrClosed    = openfast.Errorf(openfast.EUNAVAILABLE, "The server is shutting down; retry shortly.")
)

// DefaultLoadDelay is WriterConfig.LoadDelay's default.
const DefaultLoadDelay = 250 * time.Millisecond

// JournalDir is the journal's folder inside the data folder.
const JournalDir = "journal"

// WriterConfig configures a Writer.
type WriterConfig struct {
	// Store is where events end up.
	Store openfast.EventStore
	// Dir is the journal folder; it is created owner-only if missing.
	Dir string
	// QueueSize is how many events may wait for the journal before Submit
	// answers ErrQueueFull.
	QueueSize int
	// Reserve is how many places of the queue are kept for Submit (the
	// server-side writes of authenticated clients): SubmitPublic answers
	// ErrQueueFull once fewer are free, so that a flood of tracker events
	// does not refuse payments. Default QueueSize/10; negative: none. It
	// must be less than QueueSize.
	Reserve int
	// MaxBatch is the most events written to the journal at once.
	MaxBatch int
	// SegmentEvents is how many events a journal segment holds before it is
	// loaded into the store (default 5,000: a segment is decoded whole
	// before its load, and a load's transaction holds its events
	// uncompressed until it commits, so smaller segments keep the server's
	// memory down; see docs/benchmarks.md).
	SegmentEvents int
	// LoadDelay is the longest an event waits in the journal before its
	// segment is loaded into the store (default 250 ms). Under a moderate
	// stream, the loads of short segments are short: each takes the CPU
	// from the queries that run meanwhile for a shorter time (at 5,000
	// events/s, a load every second made a few of the read benchmark's
	// small-site medians twice as slow).
	LoadDelay time.Duration
	// MaxUnloaded is how many journaled events may wait for the store
	// before Submit answers ErrQueueFull (default 2,000,000).
	MaxUnloaded int
	// CommitGap is the least time from the start of one journal commit to
	// the start of the next (default 1 ms; negative: none). Events that
	// arrive meanwhile wait and share the next commit. Without it, a
	// moderate stream of events (a few thousand a second from many
	// clients) gets a commit, and an fsync, for every event or two: the
	// fsyncs cost the kernel ~75 µs of CPU each, taken from the queries
	// that run meanwhile. The default caps commits at 1,000 a second and
	// adds at most 1 ms to an acknowledgement.
	CommitGap time.Duration
	// Logger reports load failures; nil discards them.
	Logger *slog.Logger

	// now and sleep time the commit gap (time.Now and time.Sleep by
	// default); tests replace them.
	now   func() time.Time
	sleep func(time.Duration)
}

// Writer is the event store's only writer. A bounded queue feeds it; it
// writes what has queued up to the journal as one batch and syncs it to
// disk (group commit), then acknowledges each submitter. A loader moves
// whole journal segments into the event store, each in one transaction
// that also records the segment's number, so a segment is loaded exactly
// once even across crashes. Events therefore reach the store's readers
// within LoadDelay of their acknowledgement; Sync waits for that.
type Writer struct {
	cfg     WriterConfig
	log     *slog.Logger
	journal string // the journal's name (JournalName)
	queue   chan *item
	pending atomic.Int64     // events submitted and not yet taken by the committer
	public  int64            // how many of them SubmitPublic admits
	syncs   chan chan uint64 // asks the committer to close its segment

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool

	// The committer's segment.
	cur      *os.File
	curSeq   uint64 // the open segment's number, or the next one to open
	curCount int
	curSince time.Time
	buf      []byte

	// Closed segments waiting for the loader, and what it has loaded.
	lmu       sync.Mutex
	ready     []readySegment
	wake      chan struct{}    // one token: the loader has work
	loadedSeq uint64           // the last segment loaded
	loaded    chan struct{}    // closed (and replaced) at each load
	noMore    bool             // the committer has stopped
	unloaded  atomic.Int64     // journaled events not yet in the store
	committed chan struct{}    // closed when the committer returns
	done      chan struct{}    // closed when the loader returns
	closing   atomic.Bool      // stop retrying failed loads
	events    []openfast.Event // the loader's buffer
	// hold is held by each load of a segment, and by Hold: while Hold
	// runs nothing is loaded or removed from the journal.
	hold sync.Mutex

	onBatch atomic.Pointer[func(n int, err error)]
	onLoad  atomic.Pointer[func(n int, err error)]
}

type readySegment struct {
	seq   uint64
	count int
}

type item struct {
	ev   openfast.Event
	done chan error
}

// SetOnBatch sets a function called after each journal commit with the
// batch size and the commit's error (for metrics). It may be called at any
// time.
func (w *Writer) SetOnBatch(f func(n int, err error)) { w.onBatch.Store(&f) }

// SetOnLoad sets a function called after each attempt to load a journal
// segment into the store, with its size and the error (for metrics).
func (w *Writer) SetOnLoad(f func(n int, err error)) { w.onLoad.Store(&f) }

// OpenWriter opens the journal in cfg.Dir, loads into the store whatever
// an earlier process journaled but did not load, and starts the writer.
// Close stops it.
func OpenWriter(ctx context.Context, cfg WriterConfig) (*Writer, error) {
	if cfg.Store == nil || cfg.Dir == "" || cfg.QueueSize < 1 || cfg.MaxBatch < 1 {
		return nil, errors.New("ingest writer: a store, a journal folder, and a queue and batch size of 1 or more are required")
	}
	if cfg.SegmentEvents < 1 {
		cfg.SegmentEvents = 5_000
	}
	if cfg.LoadDelay <= 0 {
		cfg.LoadDelay = DefaultLoadDelay
	}
	if cfg.MaxUnloaded < 1 {
		cfg.MaxUnloaded = 2_000_000
	}
	if cfg.CommitGap == 0 {
		cfg.CommitGap = time.Millisecond
	}
	if cfg.Reserve == 0 {
		cfg.Reserve = cfg.QueueSize / 10
	}
	if cfg.Reserve >= cfg.QueueSize {
		return nil, errors.New("ingest writer: the queue's reserve must be less than its size")
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.sleep == nil {
		cfg.sleep = time.Sleep
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	journal, err := JournalName(cfg.Dir) // creates the folder
	if err != nil {
		return nil, err
	}
	w := &Writer{
		cfg: cfg, log: log, journal: journal,
		queue:     make(chan *item, cfg.QueueSize),
		public:    int64(cfg.QueueSize - max(cfg.Reserve, 0)),
		syncs:     make(chan chan uint64),
		wake:      make(chan struct{}, 1),
		loaded:    make(chan struct{}),
		committed: make(chan struct{}),
		done:      make(chan struct{}),
	}
	if err := w.recover(ctx); err != nil {
		return nil, err
	}
	go w.commitLoop()
	go w.loadLoop()
	return w, nil
}

// recover loads the segments a previous process left, in order, and
// removes those already loaded.
func (w *Writer) recover(ctx context.Context) error {
	last, err := w.cfg.Store.LastBatch(ctx, w.journal)
	if err != nil {
		return err
	}
	seqs, err := listSegments(w.cfg.Dir)
	if err != nil {
		return err
	}
	next := last + 1
	for _, seq := range seqs {
		next = max(next, seq+1)
		path := filepath.Join(w.cfg.Dir, segmentName(seq))
		if seq > last {
			events, cut, err := readSegment(path, w.events)
			w.events = events
			if err != nil {
				return err
			}
			if cut > 0 {
				w.log.Warn("cut a torn record off the event journal (a write the crash interrupted, never acknowledged)", "segment", seq, "bytes", cut)
			}
			if err := w.cfg.Store.InsertBatch(ctx, w.journal, seq, events); err != nil {
				return fmt.Errorf("load journal segment %d: %w", seq, err)
			}
			w.log.Info("loaded journaled events left by the previous run", "segment", seq, "events", len(events))
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove loaded journal segment: %w", err)
		}
	}
	w.curSeq = next
	w.loadedSeq = next - 1
	clear(w.events)
	return nil
}

// Submit queues an event and waits until it is durable in the journal. It
// returns ErrQueueFull at once when the queue is full or the store is too
// far behind, and ErrClosed after Close. If ctx ends first, the event may
// still be committed. It is the path of server-side writes: it may use the
// whole queue, Reserve included.
func (w *Writer) Submit(ctx context.Context, ev openfast.Event) error {
	return w.submit(ctx, ev, false)
}

// SubmitPublic is Submit for the events of public requests (the tracker's):
// it answers ErrQueueFull when no more than Reserve places of the queue
// are free, leaving those to Submit.
func (w *Writer) SubmitPublic(ctx context.Context, ev openfast.Event) error {
	return w.submit(ctx, ev, true)
}

func (w *Writer) submit(ctx context.Context, ev openfast.Event, public bool) error {
	if w.unloaded.Load() >= int64(w.cfg.MaxUnloaded) {
		return ErrQueueFull
	}
	// Counted before the send: concurrent public submitters cannot
	// overshoot into the reserve.
	if n := w.pending.Add(1); public && n > w.public {
		w.pending.Add(-1)
		return ErrQueueFull
	}
	it := itemPool.Get().(*item)
	it.ev = ev
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		w.pending.Add(-1)
		it.recycle()
		return ErrClosed
	}
	select {
	case w.queue <- it:
	default:
		w.mu.RUnlock()
		w.pending.Add(-1)
		it.recycle()
		return ErrQueueFull
	}
	w.mu.RUnlock()
	select {
	case err := <-it.done:
		// The committer is done with the item once it has answered.
		it.recycle()
		return err
	case <-ctx.Done():
		// The committer may still answer: the item is left to it.
		return fmt.Errorf("wait for event commit: %w", ctx.Err())
	}
}

// itemPool recycles the queue's items: a new one for each event was the
// largest share of what the ingest path allocated (about 480 bytes an
// event), and so of the garbage collector's work.
var itemPool = sync.Pool{New: func() any { return &item{done: make(chan error, 1)} }}

// recycle returns an item that no one else holds to itemPool.
func (it *item) recycle() {
	it.ev = openfast.Event{}
	itemPool.Put(it)
}

// Sync returns once every event acknowledged before the call is in the
// store, where readers see it.
func (w *Writer) Sync(ctx context.Context) error {
	if w.unloaded.Load() == 0 {
		return nil
	}
	reply := make(chan uint64, 1)
	select {
	case w.syncs <- reply:
	case <-w.committed:
		// Closing: the committer closed its last segment on the way out.
		w.lmu.Lock()
		reply <- w.curSeq - 1
		w.lmu.Unlock()
	case <-ctx.Done():
		return fmt.Errorf("wait for the event journal: %w", ctx.Err())
	}
	var target uint64
	select {
	case target = <-reply:
	case <-ctx.Done():
		return fmt.Errorf("wait for the event journal: %w", ctx.Err())
	}
	for {
		w.lmu.Lock()
		loadedSeq, loaded := w.loadedSeq, w.loaded
		w.lmu.Unlock()
		if loadedSeq >= target {
			return nil
		}
		select {
		case <-loaded:
		case <-w.done:
			if w.loadedSeqNow() < target {
				return ErrClosed
			}
		case <-ctx.Done():
			return fmt.Errorf("wait for the event store: %w", ctx.Err())
		}
	}
}

func (w *Writer) loadedSeqNow() uint64 {
	w.lmu.Lock()
	defer w.lmu.Unlock()
	return w.loadedSeq
}

// Hold runs fn while no journal segment is loaded into the store nor
// removed from the journal: the store holds exactly the journal's batches
// up to loaded, and the journal folder every acknowledged event after
// them, in the segments numbered above loaded (the newest one may still
// grow, and end in a torn record that was not acknowledged). Events are
// still journaled and acknowledged meanwhile; they wait in the journal
// until fn returns. A backup copies the store and those segments in fn.
func (w *Writer) Hold(ctx context.Context, fn func(journal string, loaded uint64) error) error {
	w.hold.Lock()
	defer w.hold.Unlock()
	loaded, err := w.cfg.Store.LastBatch(ctx, w.journal)
	if err != nil {
		return err
	}
	return fn(w.journal, loaded)
}

// UnloadedSegments lists the files of the journal in dir that a copy of
// the journal must hold for a store whose last batch of it is loaded: the
// journal's name file and the segments numbered above loaded, in order.
// The names are relative to dir.
func UnloadedSegments(dir string, loaded uint64) ([]string, error) {
	seqs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	files := []string{nameFile}
	for _, seq := range seqs {
		if seq > loaded {
			files = append(files, segmentName(seq))
		}
	}
	return files, nil
}

// IsJournalFile reports whether name is the name of a file of a journal
// folder: its name file or a segment.
func IsJournalFile(name string) bool {
	_, ok := parseSegmentName(name)
	return ok || name == nameFile
}

// QueueLen is the number of events waiting for the journal.
func (w *Writer) QueueLen() int { return len(w.queue) }

// Unloaded is the number of acknowledged events not yet in the store.
func (w *Writer) Unloaded() int64 { return w.unloaded.Load() }

// commitLoop writes queued events to the journal in batches until the
// queue is closed, and closes segments for the loader.
func (w *Writer) commitLoop() {
	defer func() {
		w.closeSegment()
		w.lmu.Lock()
		w.noMore = true
		w.lmu.Unlock()
		close(w.committed)
		w.signalLoader()
	}()
	tick := time.NewTicker(max(w.cfg.LoadDelay/4, time.Millisecond))
	defer tick.Stop()
	batch := make([]*item, 0, w.cfg.MaxBatch)
	var last time.Time // the start of the last commit
	for {
		select {
		case it, ok := <-w.queue:
			if !ok {
				return
			}
			w.pending.Add(-1)
			batch = append(batch[:0], it)
			if wait := w.cfg.CommitGap - w.cfg.now().Sub(last); wait > 0 && len(w.queue) < w.cfg.MaxBatch {
				// Let the events that arrive until then share this commit.
				w.cfg.sleep(wait)
			}
			last = w.cfg.now()
		fill:
			for len(batch) < w.cfg.MaxBatch {
				select {
				case more, ok := <-w.queue:
					if !ok {
						break fill
					}
					w.pending.Add(-1)
					batch = append(batch, more)
				default:
					break fill
				}
			}
			w.commit(batch)
			clear(batch)
		case reply := <-w.syncs:
			w.closeSegment()
			reply <- w.curSeq - 1
		case <-tick.C:
			if w.cur != nil && time.Since(w.curSince) >= w.cfg.LoadDelay {
				w.closeSegment()
			}
		}
	}
}

// commit appends a batch to the journal, syncs it, and answers its
// submitters.
func (w *Writer) commit(batch []*item) {
	err := w.write(batch)
	if err != nil {
		err = fmt.Errorf("journal %d events: %w", len(batch), err)
	} else {
		w.unloaded.Add(int64(len(batch)))
	}
	if f := w.onBatch.Load(); f != nil {
		(*f)(len(batch), err)
	}
	for _, b := range batch {
		b.done <- err
	}
	if w.cur != nil && (err != nil || w.curCount >= w.cfg.SegmentEvents) {
		// After a failed write the segment's end is unknown: the next
		// batch starts a new one.
		w.closeSegment()
	}
}

func (w *Writer) write(batch []*item) error {
	if w.cur == nil {
		f, err := os.OpenFile(filepath.Join(w.cfg.Dir, segmentName(w.curSeq)), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("create journal segment: %w", err)
		}
		if err := syncDir(w.cfg.Dir); err != nil {
			f.Close()
			os.Remove(f.Name())
			return fmt.Errorf("sync the journal folder: %w", err)
		}
		w.cur, w.curCount, w.curSince = f, 0, time.Now()
	}
	w.buf = w.buf[:0]
	for _, it := range batch {
		w.buf = appendRecord(w.buf, &it.ev)
	}
	if _, err := w.cur.Write(w.buf); err != nil {
		// The segment may hold part of the batch: it is closed, and what
		// of it checks out is loaded (events stored whose answer was an
		// error, as when a reply is lost).
		return fmt.Errorf("write: %w", err)
	}
	w.curCount += len(batch)
	if err := w.cur.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// closeSegment hands the open segment, if any, to the loader.
func (w *Writer) closeSegment() {
	if w.cur == nil {
		return
	}
	if err := w.cur.Close(); err != nil {
		w.log.Warn("close journal segment", "segment", w.curSeq, "error", err)
	}
	w.lmu.Lock()
	w.ready = append(w.ready, readySegment{seq: w.curSeq, count: w.curCount})
	w.curSeq++
	w.lmu.Unlock()
	w.cur, w.curCount = nil, 0
	w.signalLoader()
}

func (w *Writer) signalLoader() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// loadLoop loads closed segments into the store, in order, until the
// committer has stopped and nothing is left.
func (w *Writer) loadLoop() {
	defer close(w.done)
	for {
		w.lmu.Lock()
		var seg readySegment
		have := len(w.ready) > 0
		if have {
			seg = w.ready[0]
		}
		stop := !have && w.noMore
		w.lmu.Unlock()
		if stop {
			return
		}
		if !have {
			<-w.wake
			continue
		}
		if !w.load(seg) {
			return // closing with a failing store: the journal keeps the rest
		}
		w.lmu.Lock()
		w.ready = w.ready[1:]
		w.loadedSeq = seg.seq
		close(w.loaded)
		w.loaded = make(chan struct{})
		w.lmu.Unlock()
	}
}

// load moves one segment into the store, retrying while the store fails.
// It gives up (false) only when the writer is closing: the segment stays
// in the journal for the next start.
func (w *Writer) load(seg readySegment) bool {
	path := filepath.Join(w.cfg.Dir, segmentName(seg.seq))
	backoff := 50 * time.Millisecond
	for {
		w.hold.Lock()
		events, _, err := readSegment(path, w.events)
		w.events = events
		if err == nil {
			err = w.cfg.Store.InsertBatch(context.Background(), w.journal, seg.seq, events)
		}
		if f := w.onLoad.Load(); f != nil {
			(*f)(len(events), err)
		}
		if err == nil {
			if rerr := os.Remove(path); rerr != nil {
				w.log.Warn("remove loaded journal segment", "segment", seg.seq, "error", rerr)
			}
			w.unloaded.Add(-int64(seg.count))
			clear(w.events) // let the strings go
			w.hold.Unlock()
			return true
		}
		w.hold.Unlock()
		w.log.Error("load journaled events into the event store; will retry", "segment", seg.seq, "events", len(events), "error", err)
		if w.closing.Load() {
			return false
		}
		time.Sleep(backoff)
		backoff = min(backoff*2, 5*time.Second)
	}
}

// Close stops accepting events, journals every queued one, loads the
// journal into the store and returns. If the store fails while closing,
// what it could not take stays in the journal and is loaded at the next
// start.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.committed
	go func() {
		// A store that keeps failing must not hold the shutdown forever.
		select {
		case <-w.done:
		case <-time.After(30 * time.Second):
			w.closing.Store(true)
		}
	}()
	<-w.done
}
