package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// Export streams the events of a website (GET /api/v1/export) in format
// (csv, ndjson or parquet) to w, and returns the bytes written. The
// client's timeout does not apply (an export streams for as long as it
// has rows; ctx ends it); a transfer cut short is an error.
func (c *Client) Export(ctx context.Context, websiteID string, q Query, format string, w io.Writer) (int64, error) {
	const path = "/api/v1/export"
	v := q.values(websiteID, "filter_")
	v.Set("format", format)
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = v.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	h := *c.http
	h.Timeout = 0
	resp, err := h.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", c.base.Redacted()+path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		return 0, newAPIError(http.MethodGet, path, resp, raw)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("GET %s: the export stopped after %d bytes: %w", path, n, err)
	}
	return n, nil
}
