package api

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/openfast/openfast"
)

// Server-side writes of the Website API (§5.11–5.15): goals, payments and
// identify. Events go through the same writer as the tracker's.

const (
	maxMetadataKeys  = 10
	maxMetadataKey   = 64
	maxMetadataValue = 255
	maxDescription   = 500
	maxTransactionID = 255
)

func (s *Server) eventsReady() error {
	if s.eventStore == nil || s.eventWriter == nil {
		return openfast.Errorf(openfast.EUNAVAILABLE, "The event store is not enabled on this server.")
	}
	return nil
}

// syncedEvents returns the event store once every event acknowledged so far
// is in it: the server-side routes read (a pageview, a transaction) or
// delete what a request a moment ago may have sent.
func (s *Server) syncedEvents(ctx context.Context) (openfast.EventStore, error) {
	if err := s.eventWriter.Sync(ctx); err != nil {
		return nil, err
	}
	return s.eventStore, nil
}

// visitorMember reads datafast_visitor_id (alias visitorId) from a body.
func visitorMember(body object, required bool) (*openfast.UUID, error) {
	raw, present, err := body.string("datafast_visitor_id")
	if err != nil {
		return nil, err
	}
	if !present {
		if raw, present, err = body.string("visitorId"); err != nil {
			return nil, err
		}
	}
	if !present || raw == "" {
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
func (s *Server) requirePageview(ctx context.Context, websiteID string, visitor openfast.UUID) error {
	events, err := s.syncedEvents(ctx)
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

// normalizeGoalName lowercases a goal name and turns spaces into
// underscores, then checks it.
func normalizeGoalName(raw string) (string, error) {
	name, ok := openfast.NormalizeGoalName(raw)
	if !ok {
		return "", invalidf("name must use lowercase a-z, 0-9, _, - and :, at most 64 characters.")
	}
	if name == "identify" {
		return "", invalidf("The goal name identify is reserved.")
	}
	return name, nil
}

// stripMarkup removes HTML tags and markup characters from a value.
func stripMarkup(s string) string {
	var b strings.Builder
	inTag := false
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
		case r == '>':
			inTag = false
		case !inTag && r != '"' && r != '\'' && r != '&':
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// metadataMember reads the goal metadata object: at most 10 keys
// ^[a-z0-9_-]{1,64}$, string values of at most 255 characters, markup
// stripped.
func metadataMember(body object, into map[string]string) error {
	raw, ok := body["metadata"]
	if !ok || isNull(raw) {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return invalidf("metadata must be an object of strings.")
	}
	if len(m) > maxMetadataKeys {
		return invalidf("metadata can have at most %d keys.", maxMetadataKeys)
	}
	for k, v := range m {
		if !openfast.ValidPropertyName(k) {
			return invalidf("metadata key %q is invalid: use a-z, 0-9, _ and -, at most %d characters.", openfast.Truncate(k, 70), maxMetadataKey)
		}
		str, ok := v.(string)
		if !ok {
			return invalidf("metadata.%s must be a string.", k)
		}
		if len([]rune(str)) > maxMetadataValue {
			return invalidf("metadata.%s is longer than %d characters.", k, maxMetadataValue)
		}
		into[k] = stripMarkup(str)
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

// createGoal: POST /api/v1/goals.
func (s *Server) createGoal(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.eventsReady(); err != nil {
		return err
	}
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	visitor, err := visitorMember(body, true)
	if err != nil {
		return err
	}
	rawName, present, err := body.string("name")
	if err != nil {
		return err
	}
	if !present {
		return invalidf("name is required.")
	}
	name, err := normalizeGoalName(rawName)
	if err != nil {
		return err
	}
	props := map[string]string{}
	if err := metadataMember(body, props); err != nil {
		return err
	}
	if d, ok, err := body.string("description"); err != nil {
		return err
	} else if ok && d != "" {
		if len([]rune(d)) > maxDescription {
			return invalidf("description is longer than %d characters.", maxDescription)
		}
		props["description"] = stripMarkup(d)
	}
	if err := s.requirePageview(r.Context(), c.websiteID, *visitor); err != nil {
		return err
	}
	ev := openfast.Event{
		WebsiteID: c.websiteID, Time: s.now().UTC(), Type: openfast.EventCustom, VisitorID: *visitor,
		Goal: name, Props: propsJSON(props), EventID: openfast.NewID(),
	}
	if err := s.eventWriter.Submit(r.Context(), ev); err != nil {
		return err
	}
	writeData(w, []map[string]string{{"message": "Custom event created successfully", "eventId": ev.EventID}})
	return nil
}

// timeRange reads the bounds of a delete: start/end, or startAt/endAt.
// Dates (YYYY-MM-DD) cover whole UTC days.
func timeRange(q map[string][]string) (start, end time.Time, err error) {
	get := func(a, b string) string {
		if v := first(q[a]); v != "" {
			return v
		}
		return first(q[b])
	}
	rawStart, rawEnd := get("start", "startAt"), get("end", "endAt")
	if (rawStart == "") != (rawEnd == "") {
		return start, end, invalidf("start and end go together: send both or neither.")
	}
	if rawStart == "" {
		return start, end, nil
	}
	if start, err = parseBound(rawStart, false); err != nil {
		return start, end, invalidf("start must be an ISO 8601 time or a YYYY-MM-DD date.")
	}
	if end, err = parseBound(rawEnd, true); err != nil {
		return start, end, invalidf("end must be an ISO 8601 time or a YYYY-MM-DD date.")
	}
	if end.Before(start) {
		return start, end, invalidf("end is before start.")
	}
	return start, end, nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
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

type timeRangeJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// deleteGoals: DELETE /api/v1/goals.
func (s *Server) deleteGoals(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.eventsReady(); err != nil {
		return err
	}
	del := openfast.EventDeletion{WebsiteID: c.websiteID, Type: openfast.EventCustom}
	out := map[string]any{}
	if raw := c.query.Get("datafast_visitor_id"); raw != "" {
		v, ok := openfast.ParseUUID(raw)
		if !ok {
			return invalidf("datafast_visitor_id must be a UUID.")
		}
		del.Visitor = &v
		out["datafast_visitor_id"] = v.String()
	}
	if raw := c.query.Get("name"); raw != "" {
		name, err := normalizeGoalName(raw)
		if err != nil {
			return err
		}
		del.Goal = name
		out["goal_name"] = name
	}
	var err error
	if del.Start, del.End, err = timeRange(c.query); err != nil {
		return err
	}
	if del.Visitor == nil && del.Goal == "" && del.Start.IsZero() {
		return invalidf("Give datafast_visitor_id, name, or a time range (start and end).")
	}
	events, err := s.syncedEvents(r.Context())
	if err != nil {
		return err
	}
	n, err := events.DeleteEvents(r.Context(), del)
	if err != nil {
		return err
	}
	if n == 0 {
		return openfast.Errorf(openfast.ENOTFOUND, "No goal events match.")
	}
	out["message"] = "Goal events deleted successfully"
	if !del.Start.IsZero() {
		out["message"] = "Goal events deleted successfully within time range"
		out["timeRange"] = timeRangeJSON{isoTime(del.Start), isoTime(del.End)}
	}
	out["deleted"] = n
	writeData(w, []map[string]any{out})
	return nil
}

// paymentLocks serialize the duplicate check and the write of payments
// per website, so that one transaction id is stored once.
var paymentLocks sync.Map // website id -> *sync.Mutex

// createPayment: POST /api/v1/payments. Its answer is a plain object
// without the status envelope, as DataFast's.
func (s *Server) createPayment(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.eventsReady(); err != nil {
		return err
	}
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	var amount float64
	rawAmount, ok := body["amount"]
	if !ok || json.Unmarshal(rawAmount, &amount) != nil || isNull(rawAmount) || amount < 0 || math.IsInf(amount, 0) || amount > 1e12 {
		return invalidf("amount is required: a number of major units (29.99), 0 or more.")
	}
	cur, present, err := body.string("currency")
	if err != nil {
		return err
	}
	currency, valid := openfast.NormalizeCurrency(cur)
	if !present || !valid {
		return invalidf("currency is required: a three-letter ISO 4217 code such as USD.")
	}
	tx, present, err := body.string("transaction_id")
	if err != nil {
		return err
	}
	tx = strings.TrimSpace(tx)
	if !present || tx == "" || len(tx) > maxTransactionID {
		return invalidf("transaction_id is required: a string of at most %d characters.", maxTransactionID)
	}
	visitor, err := visitorMember(body, false)
	if err != nil {
		return err
	}
	props := map[string]string{}
	for _, f := range [][2]string{{"email", "customer_email"}, {"name", "customer_name"}, {"customer_id", ""}} {
		for _, key := range f {
			if key == "" {
				continue
			}
			v, ok, err := body.string(key)
			if err != nil {
				return err
			}
			if ok && v != "" {
				props[f[0]] = stripMarkup(openfast.Truncate(v, maxMetadataValue))
				break
			}
		}
	}
	for _, f := range []string{"renewal", "refunded", "is_free_trial"} {
		v, ok, err := body.bool(f)
		if err != nil {
			return err
		}
		if ok && v {
			props[f] = "true"
		}
	}
	if amount == 0 {
		props["is_free_trial"] = "true"
	}
	at := s.now().UTC()
	if raw, ok, err := body.string("timestamp"); err != nil {
		return err
	} else if ok && raw != "" {
		if at, err = time.Parse(time.RFC3339Nano, raw); err != nil {
			return invalidf("timestamp must be an ISO 8601 time.")
		}
	}
	cents := int64(math.Round(amount * 100))
	if props["refunded"] == "true" {
		cents = -cents
	}
	ev := openfast.Event{
		WebsiteID: c.websiteID, Time: at.UTC(), Type: openfast.EventPayment, RevenueCents: cents, Currency: currency,
		TransactionID: tx, Props: propsJSON(props), EventID: openfast.NewID(),
	}
	if visitor != nil {
		ev.VisitorID = *visitor
	}
	lock, _ := paymentLocks.LoadOrStore(c.websiteID, &sync.Mutex{})
	mu := lock.(*sync.Mutex)
	mu.Lock()
	defer mu.Unlock()
	events, err := s.syncedEvents(r.Context())
	if err != nil {
		return err
	}
	dup, err := events.PaymentExists(r.Context(), c.websiteID, tx)
	if err != nil {
		return err
	}
	if dup {
		writeJSON(w, http.StatusOK, map[string]string{"message": "Payment already recorded (duplicate transaction_id): nothing was added", "transaction_id": tx})
		return nil
	}
	if err := s.eventWriter.Submit(r.Context(), ev); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": "Payment recorded and attributed successfully", "transaction_id": tx})
	return nil
}

// deletePayments: DELETE /api/v1/payments.
func (s *Server) deletePayments(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.eventsReady(); err != nil {
		return err
	}
	del := openfast.EventDeletion{WebsiteID: c.websiteID, Type: openfast.EventPayment}
	out := map[string]any{}
	tx := c.query.Get("transaction_id")
	if tx == "" {
		tx = c.query.Get("tx_id")
	}
	var err error
	switch {
	case tx != "":
		del.TransactionID = tx
		out["transaction_id"] = tx
		out["message"] = "Payment deleted successfully"
	default:
		if raw := c.query.Get("datafast_visitor_id"); raw != "" {
			v, ok := openfast.ParseUUID(raw)
			if !ok {
				return invalidf("datafast_visitor_id must be a UUID.")
			}
			del.Visitor = &v
			out["datafast_visitor_id"] = v.String()
			out["message"] = "All payments for visitor deleted successfully"
		}
		if del.Start, del.End, err = timeRange(c.query); err != nil {
			return err
		}
		if del.Visitor == nil && del.Start.IsZero() {
			return invalidf("Give transaction_id, datafast_visitor_id, or a time range (start and end).")
		}
		if !del.Start.IsZero() {
			out["timeRange"] = timeRangeJSON{isoTime(del.Start), isoTime(del.End)}
			if del.Visitor != nil {
				out["message"] = "All payments for visitor deleted successfully within time range"
			} else {
				out["message"] = "Payments deleted successfully within time range"
			}
		}
	}
	events, err := s.syncedEvents(r.Context())
	if err != nil {
		return err
	}
	n, err := events.DeleteEvents(r.Context(), del)
	if err != nil {
		return err
	}
	if n == 0 {
		if tx != "" {
			return openfast.Errorf(openfast.ENOTFOUND, "Transaction not found.")
		}
		return openfast.Errorf(openfast.ENOTFOUND, "No payments match.")
	}
	out["deleted"] = n
	writeData(w, []map[string]any{out})
	return nil
}

// identify: POST /api/v1/identify. Members other than user_id and the
// visitor id are kept as profile metadata. Its data is an object.
func (s *Server) identify(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.eventsReady(); err != nil {
		return err
	}
	body, err := readObject(w, r, false)
	if err != nil {
		return err
	}
	userID, present, err := body.string("user_id")
	if err != nil {
		return err
	}
	if !present || strings.TrimSpace(userID) == "" || len(userID) > maxUserID {
		return invalidf("user_id is required: a string of 1 to %d characters.", maxUserID)
	}
	visitor, err := visitorMember(body, true)
	if err != nil {
		return err
	}
	props := map[string]string{"user_id": userID}
	for k, raw := range body {
		if k == "user_id" || k == "datafast_visitor_id" || k == "visitorId" {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		switch x := v.(type) {
		case string:
			props[k] = stripMarkup(openfast.Truncate(x, maxMetadataValue))
		case float64, bool:
			b, _ := json.Marshal(x)
			props[k] = string(b)
		}
		if len(props) > maxMetadataKeys+1 {
			return invalidf("At most %d profile properties are kept.", maxMetadataKeys)
		}
	}
	site, err := s.website(r.Context(), c.websiteID)
	if err != nil {
		return err
	}
	profileID := openfast.NewID()
	if !site.IsCookieless {
		if err := s.requirePageview(r.Context(), c.websiteID, *visitor); err != nil {
			return err
		}
		ev := openfast.Event{
			WebsiteID: c.websiteID, Time: s.now().UTC(), Type: openfast.EventIdentify, VisitorID: *visitor,
			Props: propsJSON(props), EventID: profileID,
		}
		if err := s.eventWriter.Submit(r.Context(), ev); err != nil {
			return err
		}
	}
	writeData(w, map[string]string{"message": "User profile created successfully", "profileId": profileID})
	return nil
}

const maxUserID = 255
