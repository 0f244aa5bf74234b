package web

// Prefetched returns how many prefetched panel answers wait for their
// request.
func (s *Server) Prefetched() int {
	s.prefetch.mu.Lock()
	defer s.prefetch.mu.Unlock()
	return len(s.prefetch.answers)
}
