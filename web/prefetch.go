package web

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"time"
)

// The analytics page's panels load with their own requests, which the
// browser sends only once it has the page, its styles and its scripts: on
// a busy website the server would sit idle for that time and then get
// every panel at once. So the page's request starts the panels' requests
// itself (prefetch), through the same handlers, as the same session; the
// browser's request for a panel then takes that answer, finished or still
// under way. An answer serves one request of the session that loaded the
// page, and is dropped when not asked for within prefetchTTL: a panel's
// later refresh, or the same page loaded again, reads afresh.

const (
	// prefetchTTL is how long a prefetched answer waits for its request.
	prefetchTTL = 30 * time.Second
	// maxPrefetched bounds the answers kept or under way, for all
	// sessions; a page loaded beyond it is not prefetched.
	maxPrefetched = 256
	// maxPrefetchedPerSession bounds them for one session: a page
	// prefetches about ten panels.
	maxPrefetchedPerSession = 32
)

type prefetchKey struct {
	session string // the session's public ID
	uri     string // the panel's path and query, as the page asks for it
}

// prefetched is an answer recorded for a panel's request: done is closed
// once the status, header and body are in.
type prefetched struct {
	done    chan struct{}
	expires time.Time
	status  int
	header  http.Header
	body    bytes.Buffer
}

func (p *prefetched) Header() http.Header { return p.header }
func (p *prefetched) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return p.body.Write(b)
}
func (p *prefetched) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

// prefetcher holds the prefetched answers.
type prefetcher struct {
	mu      sync.Mutex
	answers map[prefetchKey]*prefetched
	now     func() time.Time
}

func newPrefetcher() *prefetcher {
	return &prefetcher{answers: make(map[prefetchKey]*prefetched), now: time.Now}
}

// prefetchingKey marks the context of a request the prefetcher sends.
type prefetchingKey struct{}

// start sends a GET of each of uris (paths and queries of the dashboard)
// to h as r's session would, in the background, and keeps the answers for
// the session's own requests of them. Nothing is started for a request
// without a session, nor past the limits.
func (f *prefetcher) start(h http.Handler, r *http.Request, v *visit, uris []string) {
	if v.session == nil || r.Context().Value(prefetchingKey{}) != nil {
		return
	}
	now := f.now()
	f.mu.Lock()
	mine := 0
	for k, a := range f.answers {
		if now.After(a.expires) {
			delete(f.answers, k)
		} else if k.session == v.session.ID {
			mine++
		}
	}
	var todo []*prefetched
	var reqs []*http.Request
	ctx := context.WithValue(context.WithoutCancel(r.Context()), prefetchingKey{}, true)
	for _, uri := range uris {
		k := prefetchKey{v.session.ID, uri}
		if old, ok := f.answers[k]; ok {
			select {
			case <-old.done: // an earlier load's, not asked for: read afresh
				delete(f.answers, k)
				mine--
			default: // under way: this page takes it
				continue
			}
		}
		if len(f.answers) >= maxPrefetched || mine >= maxPrefetchedPerSession {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
		if err != nil {
			continue
		}
		req.Header = r.Header.Clone()
		req.Header.Set("HX-Request", "true")
		req.Host, req.RemoteAddr, req.TLS = r.Host, r.RemoteAddr, r.TLS
		a := &prefetched{done: make(chan struct{}), expires: now.Add(prefetchTTL), header: http.Header{}}
		f.answers[k] = a
		mine++
		todo, reqs = append(todo, a), append(reqs, req)
	}
	f.mu.Unlock()
	for i, a := range todo {
		go func() {
			defer close(a.done)
			h.ServeHTTP(a, reqs[i])
			if a.status == 0 {
				a.status = http.StatusOK
			}
		}()
	}
}

// serve answers r with its prefetched answer, waiting for it while it is
// under way, and reports whether it did. The answer is then gone.
func (f *prefetcher) serve(w http.ResponseWriter, r *http.Request, v *visit) bool {
	if v.session == nil || r.Context().Value(prefetchingKey{}) != nil {
		return false
	}
	k := prefetchKey{v.session.ID, r.URL.RequestURI()}
	f.mu.Lock()
	a, ok := f.answers[k]
	if ok {
		delete(f.answers, k)
	}
	f.mu.Unlock()
	if !ok || f.now().After(a.expires) {
		return false
	}
	select {
	case <-a.done:
	case <-r.Context().Done():
		return true // the browser went away; nothing to answer
	}
	for name, vals := range a.header {
		w.Header()[name] = vals
	}
	w.WriteHeader(a.status)
	w.Write(a.body.Bytes())
	return true
}
