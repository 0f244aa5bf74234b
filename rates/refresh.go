package rates

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/openfast/openfast"
)

// RefreshEvery is how often Refresh fetches the rates; after a failure it
// tries again after RetryAfter.
const (
	RefreshEvery = 24 * time.Hour
	RetryAfter   = time.Hour
)

// Load merges the rates saved in store into t.
func (t *Table) Load(ctx context.Context, store openfast.ExchangeRateStore) error {
	days, err := store.ExchangeRates(ctx)
	if err != nil {
		return err
	}
	t.Merge(days)
	return nil
}

// Refresh fetches the rates from url once a day until ctx ends, merges
// them into t and saves them in store (nil: not saved); before each fetch
// it loads what other servers saved. A server that cannot reach the ECB
// keeps converting with what it has, and logs a warning.
func (t *Table) Refresh(ctx context.Context, url string, store openfast.ExchangeRateStore, log *slog.Logger) {
	client := &http.Client{Timeout: 30 * time.Second}
	for {
		wait := RefreshEvery
		if store != nil {
			if err := t.Load(ctx, store); err != nil && ctx.Err() == nil {
				log.Warn("read the saved exchange rates", "error", err)
			}
		}
		days, err := Fetch(ctx, client, url)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("exchange rates not refreshed; payments convert at the rates already known", "url", url, "error", err)
			wait = RetryAfter
		default:
			t.Merge(days)
			if store != nil {
				if err := store.SaveExchangeRates(ctx, days); err != nil && ctx.Err() == nil {
					log.Warn("save the exchange rates", "error", err)
				}
			}
			log.Info("exchange rates refreshed", "days", len(days))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
