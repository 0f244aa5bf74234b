package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/bits-and-blooms/bloom/v3"
	ddb "github.com/duckdb/duckdb-go/v2"
	"github.com/openfast/openfast"
)

// liveIndex computes the index columns (index.go) of the rows of live
// traffic as they are inserted, from each recent visitor's state in
// memory, so that the background indexer has nothing left to do for them:
// its rounds would rewrite each new row once more, and DuckDB holds their
// updates until the next checkpoint. A row is computed on insert only when
// its visitor's whole history is known; every other row is inserted
// pending (NULL) and left to the indexer. When that is, how open goals are
// updated (updateOpenGoals) and what bounds a visitor's state:
// docs/analytics-index.md.
type liveIndex struct {
	// cur and old are the visitors' states, the most recent in cur; a
	// lookup moves a state from old to cur, and when cur holds
	// generation states, old is dropped and cur becomes old. keys numbers
	// the pages, referrers and countries that states name. Only the
	// writer uses them (it holds DB.insertMu).
	cur, old   map[visitorKey]visitorState
	generation int
	keys       map[string]uint64
	keyEpoch   int

	// mu guards the fields below, which the writer and the goroutine
	// that builds seen share.
	mu sync.Mutex
	// seen holds every visitor (site and visitor id) with a pageview,
	// goal or payment in the file, once read (nil before; ready is then
	// closed). A visitor it does not hold has none (the other rows have no
	// index columns).
	seen *bloom.BloomFilter
	// capacity is what seen was sized for, and added how many visitors it
	// did not hold when added; more than twice the capacity, and a larger
	// one is built (in building, which the writer adds to as well).
	capacity, added uint
	building        *bloom.BloomFilter
	rebuild         chan struct{}
	// log is where reading the file's visitors reports its failure.
	log *slog.Logger

	ready  chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// The live index's sizes: a generation of visitor states (the cache keeps
// one to two generations), the parts a visitor's state may have, the
// smallest Bloom filter (about 1.2 MB) and its false positive rate, and
// how old a visitor's open goals may be for a pageview to update them on
// insert (epoch microseconds): the update scans the rows since the
// earliest open goal of its batch, so this bounds its work.
const (
	liveGeneration  = 65_536
	maxParts        = 64
	minSeenCapacity = 1 << 20
	seenFalseRate   = 0.01
)

// maxOpenAge: see above; a variable for the tests.
var maxOpenAge = int64(30 * time.Second / time.Microsecond)

type visitorKey struct {
	site int32
	id   openfast.UUID
}

func (k visitorKey) bytes() []byte {
	var b [20]byte
	binary.LittleEndian.PutUint32(b[:4], uint32(k.site))
	copy(b[4:], k.id[:])
	return b[:]
}

// visitorState is what the index columns of a visitor's next row depend
// on, in epoch microseconds (none: there is none): the time of their
// latest pageview, of their latest goal or payment, and of the earliest
// goal or payment after the latest pageview (openFrom: the open goals),
// the latest two pageviews of each session, and the latest pageview of
// each page, session referrer and country (parts, by the number keys gives
// their kind, a letter, and value); and the number of the browser, OS and
// device of the latest pageview (lastTech, plus one: 0 without a
// pageview). It is one slice of words without pointers, which the garbage
// collector does not scan:
//
//	lastPV, lastGoal, openFrom, sessions | parts<<32, lastTech,
//	then per session: id (two words), last, prev,
//	then per part: key number, last.
type visitorState []uint64

// maxKeys is how many keys the live index numbers before it drops them
// and every state; a variable for the tests.
var maxKeys = 1 << 17

// noneWord is none in a state's words.
var noneWord = func() uint64 { n := int64(none); return uint64(n) }()

const (
	stateHeader  = 5
	sessionWords = 4
	partWords    = 2
)

func newVisitorState() visitorState {
	return visitorState{noneWord, noneWord, noneWord, 0, 0}
}

func (s visitorState) lastPV() int64      { return int64(s[0]) }
func (s visitorState) lastGoal() int64    { return int64(s[1]) }
func (s visitorState) openFrom() int64    { return int64(s[2]) }
func (s visitorState) counts() (int, int) { return int(uint32(s[3])), int(s[3] >> 32) }

// lastTech is the key number of the latest pageview's browser, OS and
// device, and whether there is one.
func (s visitorState) lastTech() (uint64, bool) { return s[4] - 1, s[4] != 0 }

// session returns the words of session i.
func (s visitorState) session(i int) []uint64 {
	o := stateHeader + i*sessionWords
	return s[o : o+sessionWords]
}

// part returns the words of part i.
func (s visitorState) part(i int) []uint64 {
	sessions, _ := s.counts()
	o := stateHeader + sessions*sessionWords + i*partWords
	return s[o : o+partWords]
}

func sessionWordsOf(id openfast.UUID) (uint64, uint64) {
	return binary.LittleEndian.Uint64(id[:8]), binary.LittleEndian.Uint64(id[8:])
}

// findSession returns the index of a session, or -1.
func (s visitorState) findSession(id openfast.UUID) int {
	lo, hi := sessionWordsOf(id)
	n, _ := s.counts()
	for i := range n {
		if w := s.session(i); w[0] == lo && w[1] == hi {
			return i
		}
	}
	return -1
}

// findPart returns the index of a part, or -1.
func (s visitorState) findPart(key uint64) int {
	_, n := s.counts()
	for i := range n {
		if s.part(i)[0] == key {
			return i
		}
	}
	return -1
}

// addSession adds a session with one pageview at t.
func (s visitorState) addSession(id openfast.UUID, t int64) visitorState {
	sessions, parts := s.counts()
	at := stateHeader + sessions*sessionWords
	s = append(s, make([]uint64, sessionWords)...)
	copy(s[at+sessionWords:], s[at:at+parts*partWords])
	lo, hi := sessionWordsOf(id)
	copy(s[at:], []uint64{lo, hi, uint64(t), noneWord})
	s[3] = uint64(sessions+1) | uint64(parts)<<32
	return s
}

// addPart adds a part whose latest pageview is at t.
func (s visitorState) addPart(key uint64, t int64) visitorState {
	sessions, parts := s.counts()
	s = append(s, key, uint64(t))
	s[3] = uint64(sessions) | uint64(parts+1)<<32
	return s
}

// key returns the number of a part's key, numbering it if new. Past
// maxKeys numbers, they are dropped with every state that uses them.
func (l *liveIndex) key(k string) uint64 {
	if n, ok := l.keys[k]; ok {
		return n
	}
	if len(l.keys) >= maxKeys {
		clear(l.keys)
		l.forgetAll()
		l.keyEpoch++
	}
	n := uint64(len(l.keys))
	l.keys[k] = n
	return n
}

// rowIndex is an inserted row's index columns, when computed (ok).
type rowIndex struct {
	ok                                                                               bool
	prevVisitor, prevSession, secondPrevSession, prevPage, prevReferrer, prevCountry int64
	pageviewBefore, pageviewAfter                                                    int64
	techChanged                                                                      bool
}

// goalUpdate sets the nearest_pageview_after of a visitor's goals and payments at or after
// from that have none to next (see updateOpenGoals).
type goalUpdate struct {
	visitor    visitorKey
	from, next int64
}

func newLiveIndex() *liveIndex {
	return &liveIndex{
		cur: map[visitorKey]visitorState{}, old: map[visitorKey]visitorState{}, generation: liveGeneration, keys: map[string]uint64{},
		capacity: minSeenCapacity, rebuild: make(chan struct{}, 1), ready: make(chan struct{}), done: make(chan struct{}),
	}
}

// startLive starts the live index and the goroutine that builds seen from
// the file's rows; until it has, every row is inserted pending.
func (d *DB) startLive() {
	l := newLiveIndex()
	l.log = slog.Default()
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	d.live = l
	l.rebuild <- struct{}{}
	go func() {
		defer close(l.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-l.rebuild:
			}
			if err := d.buildSeen(ctx, l); err != nil && ctx.Err() == nil {
				l.mu.Lock()
				log := l.log
				l.mu.Unlock()
				log.Warn("reading the visitors for the live index failed; new rows stay pending until the indexer indexes them", "err", err)
				return
			}
		}
	}()
}

// WaitLive waits until the live index has read the visitors in the file
// (or is off), which it does in the background after opening.
func (d *DB) WaitLive(ctx context.Context) error {
	d.insertMu.Lock()
	l := d.live
	d.insertMu.Unlock()
	if l == nil {
		return nil
	}
	select {
	case <-l.ready:
	case <-l.done: // stopped, or failed (and logged)
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// stopLive stops building seen and turns the live index off: every row is
// inserted pending from then on.
func (d *DB) stopLive() {
	d.insertMu.Lock()
	l := d.live
	d.live = nil
	d.insertMu.Unlock()
	if l != nil {
		l.cancel()
		<-l.done
	}
}

// seenChunk is how many rows buildSeen reads a query.
var seenChunk int64 = 262_144 // a variable for the tests

// buildSeen builds a Bloom filter of the visitors in the file and makes it
// seen. The writer adds the visitors it inserts meanwhile to it too: from
// the moment building is set, with no insert running, so that each row is
// either in the snapshot read here or added by the writer.
func (d *DB) buildSeen(ctx context.Context, l *liveIndex) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var rows, last int64
	d.insertMu.Lock()
	l.mu.Lock()
	capacity := l.capacity
	l.mu.Unlock()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION READ ONLY"); err != nil {
		d.insertMu.Unlock()
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	err = conn.QueryRowContext(ctx, "SELECT count(*), coalesce(max(rowid), -1) FROM events").Scan(&rows, &last)
	if err != nil {
		d.insertMu.Unlock()
		return err
	}
	capacity = max(capacity, uint(rows)/2)
	f := bloom.NewWithEstimates(capacity, seenFalseRate)
	l.mu.Lock()
	l.building = f
	l.mu.Unlock()
	d.insertMu.Unlock()
	defer func() {
		l.mu.Lock()
		if l.building == f {
			l.building = nil
		}
		l.mu.Unlock()
	}()

	var added uint
	keys := make([]visitorKey, 0, seenChunk)
	for lo := int64(0); lo <= last; lo += seenChunk {
		keys = keys[:0]
		r, err := conn.QueryContext(ctx, "SELECT site, visitor_id FROM events WHERE rowid >= ? AND rowid < ? AND type IN ("+pageview+", "+custom+", "+payment+")", lo, lo+seenChunk)
		if err != nil {
			return err
		}
		for r.Next() {
			var k visitorKey
			var id []byte
			if err := r.Scan(&k.site, &id); err != nil {
				r.Close()
				return err
			}
			if len(id) != len(k.id) {
				r.Close()
				return fmt.Errorf("visitor id of %d bytes", len(id))
			}
			copy(k.id[:], id)
			keys = append(keys, k)
		}
		if err := r.Close(); err != nil {
			return err
		}
		l.mu.Lock()
		for _, k := range keys {
			if !f.TestAndAdd(k.bytes()) {
				added++
			}
		}
		l.mu.Unlock()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		close(l.ready)
	}
	l.seen, l.building = f, nil
	l.capacity, l.added = capacity, added
	if added > capacity {
		l.capacity = 2 * added
		l.requestRebuild()
	}
	return nil
}

// requestRebuild asks for a larger seen; l.mu is held.
func (l *liveIndex) requestRebuild() {
	select {
	case l.rebuild <- struct{}{}:
	default:
	}
}

// lookup returns a visitor's state, or nil when unknown.
func (l *liveIndex) lookup(k visitorKey) visitorState {
	if s, ok := l.cur[k]; ok {
		return s
	}
	s, ok := l.old[k]
	if !ok {
		return nil
	}
	delete(l.old, k)
	l.store(k, s)
	return s
}

func (l *liveIndex) store(k visitorKey, s visitorState) {
	if _, ok := l.cur[k]; !ok && len(l.cur) >= l.generation {
		l.old, l.cur = l.cur, make(map[visitorKey]visitorState, l.generation/4)
	}
	l.cur[k] = s
}

// forget drops visitors' states: their later rows are inserted pending.
func (l *liveIndex) forget(keys ...visitorKey) {
	for _, k := range keys {
		delete(l.cur, k)
		delete(l.old, k)
	}
}

// forgetAll drops every visitor's state.
func (l *liveIndex) forgetAll() {
	clear(l.cur)
	clear(l.old)
}

// batchVisitor is what compute keeps of a visitor during a batch: the
// time of their earliest open goal inserted before the batch (none: none),
// and the open goals of the batch, by index.
type batchVisitor struct {
	prior int64
	goals []int
}

// compute returns the index columns of the events about to be inserted in
// this order (with their websites' numbers), and updates the visitors'
// states as if they were. It returns the visitors whose state it changed,
// which the caller forgets if the insert fails, and the updates of the
// goals inserted before that the batch's pageviews follow.
func (l *liveIndex) compute(events []openfast.Event, sites map[string]int32) (out []rowIndex, touched []visitorKey, updates []goalUpdate) {
	out = make([]rowIndex, len(events))
	batch := map[visitorKey]*batchVisitor{}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range events {
		e := &events[i]
		if !indexed(e.Type) {
			continue
		}
		k := visitorKey{site: sites[e.WebsiteID], id: e.VisitorID}
		b := k.bytes()
		known := true // until seen is read, every visitor may be
		if l.seen != nil {
			known = l.seen.TestAndAdd(b)
			if !known {
				l.added++
				if l.added > 2*l.capacity && l.building == nil {
					l.capacity = 2 * l.added
					l.requestRebuild()
				}
			}
		}
		if l.building != nil {
			l.building.Add(b)
		}
		s := l.lookup(k)
		if s == nil {
			if known {
				continue
			}
			s = newVisitorState()
			l.store(k, s)
		}
		bv := batch[k]
		if bv == nil {
			bv = &batchVisitor{prior: s.openFrom()}
			batch[k] = bv
			touched = append(touched, k)
		}
		var u *goalUpdate
		out[i], u = l.next(k, s, bv, out, i, e)
		if u != nil {
			updates = append(updates, *u)
		}
	}
	return out, touched, updates
}

// indexed reports whether rows of a type have index columns.
func indexed(t openfast.EventType) bool {
	return t == openfast.EventPageview || t == openfast.EventCustom || t == openfast.EventPayment
}

// next returns the index columns of a visitor's next row e, the i-th of
// the batch (not computed when e cannot be, see liveIndex), and adds e to
// the visitor's state s (stored again: it may move). A pageview that
// follows open goals sets the nearest_pageview_after of those of the batch (in out), and
// returns the update of those inserted before.
func (l *liveIndex) next(k visitorKey, s visitorState, bv *batchVisitor, out []rowIndex, i int, e *openfast.Event) (rowIndex, *goalUpdate) {
	t := e.Time.UnixMicro()
	if e.Type != openfast.EventPageview {
		if t < s.lastPV() {
			l.forget(k)
			return rowIndex{}, nil
		}
		if s.openFrom() == none {
			s[2] = uint64(t)
		}
		bv.goals = append(bv.goals, i)
		s[1] = uint64(max(s.lastGoal(), t))
		return rowIndex{ok: true, pageviewBefore: s.lastPV(), pageviewAfter: noneNext}, nil
	}
	if t < s.lastPV() || t < s.lastGoal() {
		l.forget(k)
		return rowIndex{}, nil
	}
	// The keys first: numbering a new one may drop every state.
	keys := [3]string{"p" + e.Hostname + "\x00" + e.Path, "r" + e.SessionReferrer, "c" + e.CountryCode}
	var nums [3]uint64
	epoch := l.keyEpoch
	for j, key := range keys {
		nums[j] = l.key(key)
	}
	tech := l.key("t" + e.Browser + "\x00" + e.OS + "\x00" + e.Device)
	if l.keyEpoch != epoch {
		return rowIndex{}, nil
	}

	r := rowIndex{ok: true, prevVisitor: s.lastPV(), prevSession: none, secondPrevSession: none, prevPage: none, prevReferrer: none, prevCountry: none}
	if last, ok := s.lastTech(); ok {
		r.techChanged = last != tech
	}
	var u *goalUpdate
	if s.openFrom() != none {
		if bv.prior != none && t-bv.prior > maxOpenAge {
			// Too far back to look for them on insert: the
			// indexer updates them when it indexes this pageview.
			r.ok = false
		} else {
			if bv.prior != none {
				u = &goalUpdate{visitor: k, from: bv.prior, next: t}
			}
			for _, j := range bv.goals {
				out[j].pageviewAfter = t
			}
		}
		s[2], bv.prior, bv.goals = noneWord, none, bv.goals[:0]
	}
	s[0], s[4] = uint64(t), tech+1

	si := s.findSession(e.SessionID)
	if si >= 0 {
		w := s.session(si)
		r.prevSession, r.secondPrevSession = int64(w[2]), int64(w[3])
	}
	at := [3]int{-1, -1, -1}
	grow := 0
	if si < 0 {
		grow++
	}
	for j, n := range nums {
		if at[j] = s.findPart(n); at[j] < 0 {
			grow++
		}
	}
	for j, dst := range []*int64{&r.prevPage, &r.prevReferrer, &r.prevCountry} {
		if at[j] >= 0 {
			*dst = int64(s.part(at[j])[1])
		}
	}
	if sessions, parts := s.counts(); sessions+parts+grow > maxParts {
		// The row's columns are right (the state was whole until
		// now), but the visitor's next ones will be pending.
		l.forget(k)
		return r, u
	}
	if si >= 0 {
		w := s.session(si)
		w[3], w[2] = w[2], uint64(t)
	} else {
		s = s.addSession(e.SessionID, t)
	}
	for j, n := range nums {
		if at[j] >= 0 {
			s.part(at[j])[1] = uint64(t)
		} else {
			s = s.addPart(n, t)
		}
	}
	l.cur[k] = s
	return r, u
}

// updateOpenGoals sets the nearest_pageview_after of the goals and
// payments that updates name, which were inserted (and are committed)
// before the batch of the pageviews that follow them, in the insert's
// transaction on conn, before the batch is appended. Each visitor's open
// goals are those at or after from with nearest_pageview_after none
// (noneNext); pending ones have NULL, and the indexer sets theirs. The
// updates go through the table open_goal_updates, filled by the appender
// and emptied in the same transaction, because an UPDATE with the visitors
// in a VALUES list takes longer to plan than to run.
func updateOpenGoals(ctx context.Context, conn *sql.Conn, updates []goalUpdate) error {
	from := int64(noneNext)
	err := conn.Raw(func(dc any) error {
		a, err := ddb.NewAppenderFromConn(dc.(driver.Conn), "", "open_goal_updates")
		if err != nil {
			return err
		}
		for _, u := range updates {
			if err := a.AppendRow(u.visitor.site, ddb.UUID(u.visitor.id), u.from, u.next); err != nil {
				a.Close()
				return err
			}
			from = min(from, u.from)
		}
		return a.Close()
	})
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `UPDATE events SET nearest_pageview_after = u.next FROM open_goal_updates u
WHERE events.ts >= make_timestamp(`+strconv.FormatInt(from, 10)+`) AND events.type IN (`+custom+`, `+payment+`) AND events.nearest_pageview_after = `+noneNextSQL+`
  AND events.site = u.site AND events.visitor_id = u.visitor_id AND epoch_us(events.ts) >= u.since`)
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "DELETE FROM open_goal_updates")
	return err
}
