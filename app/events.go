package app

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/openfast/openfast"
)

// Server-side writes of the Website API (§5.11–5.15): goals, payments and
// identify. Events go through the same writer as the tracker's.

// The range of a payment's timestamp: nothing before 2000, nothing more
// than a day ahead (clocks differ, and a payment may be dated in the
// payer's time zone).
var earliestEvent = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const maxEventAhead = 24 * time.Hour

func invalidf(format string, args ...any) error {
	return openfast.Errorf(openfast.EINVALID, format, args...)
}

func (a *App) eventsReady() error {
	if a.eventStore == nil || a.eventWriter == nil {
		return openfast.Errorf(openfast.EUNAVAILABLE, "The event store is not enabled on this server.")
	}
	return nil
}

// syncedEvents returns the event store once every event acknowledged so far
// is in it: the server-side writes read (a pageview, a transaction) or
// delete what a request a moment ago may have sent.
func (a *App) syncedEvents(ctx context.Context) (openfast.EventStore, error) {
	if err := a.eventWriter.Sync(ctx); err != nil {
		return nil, err
	}
	return a.eventStore, nil
}

// parseVisitor reads a datafast_visitor_id ("" when not given).
func parseVisitor(raw string, required bool) (*openfast.UUID, error) {
	if raw == "" {
		if required {
			return nil, invalidf("datafast_visitor_id is required.")
		}
		return nil, nil
	}
	v, ok := openfast.ParseUUID(raw)
	if !ok {
		return nil, invalidf("datafast_visitor_id must be a UUID such as a3ab2331-989f-4cfa-91c6-2461c9e3c6bd.")
	}
	return &v, nil
}

// requirePageview answers 404 unless the visitor has a pageview on the
// website: server-side events attach to known visitors only.
func (a *App) requirePageview(ctx context.Context, websiteID string, visitor openfast.UUID) error {
	events, err := a.syncedEvents(ctx)
	if err != nil {
		return err
	}
	ok, err := events.HasPageview(ctx, websiteID, visitor)
	if err != nil {
		return err
	}
	if !ok {
		return openfast.Errorf(openfast.ENOTFOUND, "No pageview of this visitor on this website: it must have visited first.")
	}
	return nil
}

func propsJSON(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return string(b)
}

// NewGoal is the input of CreateGoal.
type NewGoal struct {
	VisitorID   string         // datafast_visitor_id (required)
	Name        *string        // required
	Metadata    map[string]any // of strings
	Description string
}

// CreateGoal records a custom event of a visitor who has visited the
// website, and returns its event id.
func (a *App) CreateGoal(ctx context.Context, c Caller, websiteID string, in NewGoal) (string, error) {
	id, err := authorize(c, ActWriteGoals, websiteID)
	if err != nil {
		return "", err
	}
	if err := a.eventsReady(); err != nil {
		return "", err
	}
	visitor, err := parseVisitor(in.VisitorID, true)
	if err != nil {
		return "", err
	}
	if in.Name == nil {
		return "", invalidf("name is required.")
	}
	name, err := openfast.ParseGoalName(*in.Name)
	if err != nil {
		return "", err
	}
	props := map[string]string{}
	if len(in.Metadata) > openfast.MaxProperties {
		return "", invalidf("metadata can have at most %d keys.", openfast.MaxProperties)
	}
	for k, v := range in.Metadata {
		if !openfast.ValidPropertyName(k) {
			return "", invalidf("metadata key %q is invalid: use a-z, 0-9, _ and -, at most %d characters.", openfast.Truncate(k, 70), openfast.MaxPropertyName)
		}
		v, ok := v.(string)
		if !ok {
			return "", invalidf("metadata.%s must be a string.", k)
		}
		if openfast.LongerThan(v, openfast.MaxPropertyValue) {
			return "", invalidf("metadata.%s is longer than %d characters.", k, openfast.MaxPropertyValue)
		}
		if err := openfast.CheckText("metadata."+k, v); err != nil {
			return "", err
		}
		props[k] = openfast.StripMarkup(v, openfast.MaxPropertyValue)
	}
	if d := in.Description; d != "" {
		if openfast.LongerThan(d, openfast.MaxDescription) {
			return "", invalidf("description is longer than %d characters.", openfast.MaxDescription)
		}
		if err := openfast.CheckText("description", d); err != nil {
			return "", err
		}
		props["description"] = openfast.StripMarkup(d, openfast.MaxDescription)
	}
	if err := a.requirePageview(ctx, id, *visitor); err != nil {
		return "", err
	}
	ev := openfast.Event{
		WebsiteID: id, Time: a.now().UTC(), Type: openfast.EventCustom, VisitorID: *visitor,
		Goal: name, Props: propsJSON(props), EventID: openfast.NewID(),
	}
	if err := a.eventWriter.Submit(ctx, ev); err != nil {
		return "", err
	}
	a.ObserveEvent(&ev)
	return ev.EventID, nil
}

// EventSelection selects the server-side events to delete: by visitor, by
// goal name (goals), by transaction id (payments) and by time range
// (start and end: ISO 8601 times, or YYYY-MM-DD dates that cover whole UTC
// days). Empty members select nothing.
type EventSelection struct {
	VisitorID     string
	GoalName      string
	TransactionID string
	Start, End    string
}

// timeRange reads the bounds of a deletion.
func (in EventSelection) timeRange() (start, end time.Time, err error) {
	if (in.Start == "") != (in.End == "") {
		return start, end, invalidf("start and end go together: send both or neither.")
	}
	if in.Start == "" {
		return start, end, nil
	}
	if start, err = parseBound(in.Start, false); err != nil {
		return start, end, invalidf("start must be an ISO 8601 time or a YYYY-MM-DD date.")
	}
	if end, err = parseBound(in.End, true); err != nil {
		return start, end, invalidf("end must be an ISO 8601 time or a YYYY-MM-DD date.")
	}
	if end.Before(start) {
		return start, end, invalidf("end is before start.")
	}
	return start, end, nil
}

func parseBound(s string, isEnd bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, err
	}
	if isEnd {
		t = t.Add(24*time.Hour - time.Millisecond)
	}
	return t, nil
}

// DeleteGoals deletes a website's custom events by visitor, name or time
// range, and returns what it deleted and how many.
func (a *App) DeleteGoals(ctx context.Context, c Caller, websiteID string, in EventSelection) (*openfast.EventDeletion, int64, error) {
	id, err := authorize(c, ActWriteGoals, websiteID)
	if err != nil {
		return nil, 0, err
	}
	if err := a.eventsReady(); err != nil {
		return nil, 0, err
	}
	del := &openfast.EventDeletion{WebsiteID: id, Type: openfast.EventCustom}
	if in.VisitorID != "" {
		v, ok := openfast.ParseUUID(in.VisitorID)
		if !ok {
			return nil, 0, invalidf("datafast_visitor_id must be a UUID.")
		}
		del.Visitor = &v
	}
	if in.GoalName != "" {
		if del.Goal, err = openfast.ParseGoalName(in.GoalName); err != nil {
			return nil, 0, err
		}
	}
	if del.Start, del.End, err = in.timeRange(); err != nil {
		return nil, 0, err
	}
	if del.Visitor == nil && del.Goal == "" && del.Start.IsZero() {
		return nil, 0, invalidf("Give datafast_visitor_id, name, or a time range (start and end).")
	}
	n, _, err := a.deleteEvents(ctx, del, "No goal events match.")
	if err != nil {
		return nil, 0, err
	}
	return del, n, nil
}

// deleteEvents deletes the selected events once every event acknowledged
// so far is stored, and answers 404 with notFound when none matched.
// For payments it also returns the transaction ids it deleted.
func (a *App) deleteEvents(ctx context.Context, del *openfast.EventDeletion, notFound string) (n int64, txs []string, err error) {
	events, err := a.syncedEvents(ctx)
	if err != nil {
		return 0, nil, err
	}
	if del.Type == openfast.EventPayment {
		if txs, err = events.PaymentTransactionIDs(ctx, *del); err != nil {
			return 0, nil, err
		}
	}
	if n, err = events.DeleteEvents(ctx, *del); err != nil {
		return 0, nil, err
	}
	if n == 0 {
		return 0, nil, openfast.Errorf(openfast.ENOTFOUND, "%s", notFound)
	}
	return n, txs, nil
}

// NewPayment is the input of CreatePayment.
type NewPayment struct {
	// Amount in major units (29.99); nil when not given or not a number.
	Amount        *float64
	Currency      *string
	TransactionID *string
	VisitorID     string // optional
	Email         string
	Name          string
	CustomerID    string
	Renewal       bool
	Refunded      bool
	IsFreeTrial   bool
	Timestamp     string // ISO 8601; "" for now
}

// CreatePayment records a payment once per transaction id. It returns the
// transaction id as recorded (trimmed), and duplicate true, recording
// nothing, when the website already has a payment with it.
func (a *App) CreatePayment(ctx context.Context, c Caller, websiteID string, in NewPayment) (transactionID string, duplicate bool, err error) {
	id, err := authorize(c, ActWritePayments, websiteID)
	if err != nil {
		return "", false, err
	}
	if err := a.eventsReady(); err != nil {
		return "", false, err
	}
	if in.Amount == nil || *in.Amount < 0 || math.IsInf(*in.Amount, 0) || *in.Amount > 1e12 {
		return "", false, invalidf("amount is required: a number of major units (29.99), 0 or more.")
	}
	amount := *in.Amount
	var currency string
	valid := false
	if in.Currency != nil {
		currency, valid = openfast.NormalizeCurrency(*in.Currency)
	}
	if !valid {
		return "", false, invalidf("currency is required: a three-letter ISO 4217 code such as USD.")
	}
	if a.rates != nil && !a.rates.Known(currency) {
		return "", false, invalidf("currency %s has no exchange rate (the European Central Bank's reference rates): its payments cannot be converted to the website's currency.", currency)
	}
	var tx string
	valid = false
	if in.TransactionID != nil {
		tx, valid = openfast.ParseTransactionID(*in.TransactionID)
	}
	if !valid {
		return "", false, invalidf("transaction_id is required: a string of at most %d characters.", openfast.MaxTransactionID)
	}
	if err := openfast.CheckText("transaction_id", tx); err != nil {
		return "", false, err
	}
	visitor, err := parseVisitor(in.VisitorID, false)
	if err != nil {
		return "", false, err
	}
	props := map[string]string{}
	for k, v := range map[string]string{"email": in.Email, "name": in.Name, "customer_id": in.CustomerID} {
		if v != "" {
			if err := openfast.CheckText(k, v); err != nil {
				return "", false, err
			}
			props[k] = openfast.StripMarkup(v, openfast.MaxPropertyValue)
		}
	}
	for k, v := range map[string]bool{"renewal": in.Renewal, "refunded": in.Refunded, "is_free_trial": in.IsFreeTrial} {
		if v {
			props[k] = "true"
		}
	}
	if amount == 0 {
		props["is_free_trial"] = "true"
	}
	at := a.now().UTC()
	if in.Timestamp != "" {
		if at, err = time.Parse(time.RFC3339Nano, in.Timestamp); err != nil {
			return "", false, invalidf("timestamp must be an ISO 8601 time.")
		}
		if at.Before(earliestEvent) || at.After(a.now().Add(maxEventAhead)) {
			return "", false, invalidf("timestamp must be between %s and a day from now.", earliestEvent.Format(time.DateOnly))
		}
	}
	cents := int64(math.Round(amount * 100))
	if in.Refunded {
		cents = -cents
	}
	ev := openfast.Event{
		WebsiteID: id, Time: at.UTC(), Type: openfast.EventPayment, RevenueCents: cents, Currency: currency,
		TransactionID: tx, Props: propsJSON(props), EventID: openfast.NewID(),
	}
	if visitor != nil {
		ev.VisitorID = *visitor
	} else if props["email"] != "" {
		// No visitor id: the visitor that the tracker linked to this
		// email (window.datafast("payment", {email}), or identify), if any.
		events, err := a.syncedEvents(ctx)
		if err != nil {
			return "", false, err
		}
		v, ok, err := events.VisitorByEmail(ctx, id, props["email"])
		if err != nil {
			return "", false, err
		}
		if ok {
			ev.VisitorID = v
		}
	}
	recorded, err := a.recordPayment(ctx, ev)
	if err != nil {
		return "", false, err
	}
	return tx, !recorded, nil
}

// maxPaymentWait bounds how long a payment waits for another request that
// holds the claim on its transaction id.
const maxPaymentWait = 5 * time.Second

// recordPayment writes a payment unless its transaction id is recorded
// already. The metadata store's claim on (website, transaction id) makes
// the check and the write one step across every server of an
// installation: a request claims the id, checks the event store (for
// payments recorded before claims existed, or a stale claim taken over
// after all), writes, and releases the claim if the write fails. While
// another request holds a fresh claim and its payment is not stored yet,
// it waits: that request either stores it (a duplicate then) or fails and
// releases the claim.
func (a *App) recordPayment(ctx context.Context, ev openfast.Event) (recorded bool, err error) {
	release := func() {
		if err := a.store.ReleasePayments(context.WithoutCancel(ctx), ev.WebsiteID, []string{ev.TransactionID}); err != nil {
			a.log.Error("release a payment claim", "website", ev.WebsiteID, "error", err)
		}
	}
	wait, deadline := 10*time.Millisecond, time.Now().Add(maxPaymentWait)
	for {
		now := a.now()
		claimed, err := a.store.ClaimPayment(ctx, ev.WebsiteID, ev.TransactionID, now, now.Add(-openfast.PaymentClaimTakeover))
		if err != nil {
			return false, err
		}
		events, err := a.syncedEvents(ctx)
		var dup bool
		if err == nil {
			dup, err = events.PaymentExists(ctx, ev.WebsiteID, ev.TransactionID)
		}
		switch {
		case err != nil:
			if claimed {
				release()
			}
			return false, err
		case dup:
			return false, nil
		case claimed:
			if err := a.eventWriter.Submit(ctx, ev); err != nil {
				release()
				return false, err
			}
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, openfast.Errorf(openfast.EUNAVAILABLE, "A payment with this transaction_id is being recorded: retry in a moment.")
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// DeletePayments deletes a website's payments by transaction id, or by
// visitor and time range, and returns what it deleted and how many.
func (a *App) DeletePayments(ctx context.Context, c Caller, websiteID string, in EventSelection) (*openfast.EventDeletion, int64, error) {
	id, err := authorize(c, ActWritePayments, websiteID)
	if err != nil {
		return nil, 0, err
	}
	if err := a.eventsReady(); err != nil {
		return nil, 0, err
	}
	del := &openfast.EventDeletion{WebsiteID: id, Type: openfast.EventPayment}
	if in.TransactionID != "" {
		del.TransactionID = in.TransactionID
	} else {
		if in.VisitorID != "" {
			v, ok := openfast.ParseUUID(in.VisitorID)
			if !ok {
				return nil, 0, invalidf("datafast_visitor_id must be a UUID.")
			}
			del.Visitor = &v
		}
		if del.Start, del.End, err = in.timeRange(); err != nil {
			return nil, 0, err
		}
		if del.Visitor == nil && del.Start.IsZero() {
			return nil, 0, invalidf("Give transaction_id, datafast_visitor_id, or a time range (start and end).")
		}
	}
	notFound := "No payments match."
	if del.TransactionID != "" {
		notFound = "Transaction not found."
	}
	n, txs, err := a.deleteEvents(ctx, del, notFound)
	if err != nil {
		return nil, 0, err
	}
	// The deleted transaction ids may be recorded again.
	if err := a.store.ReleasePayments(ctx, id, txs); err != nil {
		return nil, 0, err
	}
	return del, n, nil
}

// NewIdentity is the input of Identify: the visitor's user id and profile
// properties (strings, numbers and booleans; other values are not kept).
type NewIdentity struct {
	UserID     *string
	VisitorID  string
	Properties map[string]any
}

// Identify links a visitor to a user id with profile properties, and
// returns the profile's id. On a cookieless website nothing is stored.
func (a *App) Identify(ctx context.Context, c Caller, websiteID string, in NewIdentity) (string, error) {
	id, err := authorize(c, ActWriteIdentify, websiteID)
	if err != nil {
		return "", err
	}
	if err := a.eventsReady(); err != nil {
		return "", err
	}
	if in.UserID == nil || !openfast.ValidUserID(*in.UserID) {
		return "", invalidf("user_id is required: a string of 1 to %d characters.", openfast.MaxUserID)
	}
	if err := openfast.CheckText("user_id", *in.UserID); err != nil {
		return "", err
	}
	visitor, err := parseVisitor(in.VisitorID, true)
	if err != nil {
		return "", err
	}
	props := map[string]string{"user_id": *in.UserID}
	for name, v := range in.Properties {
		// Profile property names follow the rules of goal parameters, in
		// lower case as the tracker sends them: the profile stays small.
		k := strings.ToLower(name)
		if !openfast.ValidPropertyName(k) || k == "user_id" {
			return "", invalidf("Profile property %q is invalid: use a-z, 0-9, _ and -, at most %d characters.", openfast.Truncate(name, 70), openfast.MaxPropertyName)
		}
		switch x := v.(type) {
		case string:
			if err := openfast.CheckText(k, x); err != nil {
				return "", err
			}
			props[k] = openfast.StripMarkup(x, openfast.MaxPropertyValue)
		case float64, bool:
			b, _ := json.Marshal(x)
			props[k] = string(b)
		}
		if len(props) > openfast.MaxProperties+1 {
			return "", invalidf("At most %d profile properties are kept.", openfast.MaxProperties)
		}
	}
	site, err := a.website(ctx, id)
	if err != nil {
		return "", err
	}
	profileID := openfast.NewID()
	if !site.IsCookieless {
		if err := a.requirePageview(ctx, id, *visitor); err != nil {
			return "", err
		}
		ev := openfast.Event{
			WebsiteID: id, Time: a.now().UTC(), Type: openfast.EventIdentify, VisitorID: *visitor,
			Props: propsJSON(props), EventID: profileID,
		}
		if err := a.eventWriter.Submit(ctx, ev); err != nil {
			return "", err
		}
	}
	return profileID, nil
}
