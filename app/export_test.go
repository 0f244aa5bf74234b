package app

// ReadsInFlight returns the analytics reads running and the websites the
// read gate holds an entry for.
func (a *App) ReadsInFlight() (reads, websites int) { return a.reads.inFlight() }
