package web

// Prefetched returns how many prefetched panel answers wait for their
// request.
func (s *Server) Prefetched() int {
	s.prefetch.mu.Lock()
	defer s.prefetch.mu.Unlock()
	return len(s.prefetch.answers)
}

// PrefetchedDone returns how many prefetched panel answers are complete.
func (s *Server) PrefetchedDone() int {
	s.prefetch.mu.Lock()
	defer s.prefetch.mu.Unlock()
	n := 0
	for _, a := range s.prefetch.answers {
		select {
		case <-a.done:
			n++
		default:
		}
	}
	return n
}
