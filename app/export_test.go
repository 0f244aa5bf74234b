package app

// ReadsInFlight returns the analytics reads running and the websites the
// read gate holds an entry for.
func (a *App) ReadsInFlight() (reads, websites int) { return a.reads.inFlight() }

// HoldAlerts gives the alert engine a queue of n places and keeps its
// worker from starting until the returned function is called.
func (a *App) HoldAlerts(n int) (release func()) {
	a.alerts.queue = make(chan firing, n)
	a.alerts.start.Do(func() {})
	return func() {
		a.alerts.running.Store(true)
		a.alerts.run(a.log)
	}
}

// RenderAlertTemplate renders tmpl with the given values.
func RenderAlertTemplate(tmpl string, visitor, goal, website, country string, params map[string]string, max int) string {
	return renderTemplate(tmpl, alertValues{Visitor: visitor, Goal: goal, Website: website, Country: country, Params: params}, max)
}

// CheckAlertTemplate is the check of an alert's subject or message when
// saved.
func CheckAlertTemplate(tmpl string) error { return checkTemplate("template.message", tmpl) }

// ReadsWaiting returns how many reads wait for their turn.
func (a *App) ReadsWaiting() int {
	a.reads.mu.Lock()
	defer a.reads.mu.Unlock()
	return a.reads.waiting
}
