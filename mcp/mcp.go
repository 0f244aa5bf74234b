// Package mcp is openfast's third front door, the Model Context Protocol
// server at /api/mcp: one tool per app method, each called with the
// caller's principal so that the app's authorization decides as it does
// for the REST twin of the tool, and each answering the REST answer's JSON.
//
// The api package authenticates the request (the same bearer credential,
// failure limiter and rate limit as the REST API) and hands the caller in
// the request's context (WithCaller); Handler builds, for each request, an
// MCP server holding only the tools that caller may call.
package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/openfast/openfast"
	"github.com/openfast/openfast/app"
	"github.com/openfast/openfast/auth"
)

// Version is the server version that initialize reports.
const Version = "1"

// MaxBodyBytes is the largest request body the server reads (413 above),
// the REST API's.
const MaxBodyBytes = 1 << 20

type callerKey struct{}

// WithCaller returns ctx carrying the authenticated caller of a request to
// /api/mcp.
func WithCaller(ctx context.Context, c app.Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerFrom(ctx context.Context) (app.Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(app.Caller)
	return c, ok && c.Principal != nil
}

// Handler returns the Streamable HTTP handler of /api/mcp. It is
// stateless: each POST is answered on its own with a JSON body, by a server
// built for the request's caller, so a request can never act with another
// request's credential. A request without a caller in its context (one
// that did not pass the API's authentication) is refused.
// An internal error of a tool is logged to log (nil: discarded) with the
// tool's name, and answered with a generic message.
func Handler(a *app.App, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server {
		c, ok := callerFrom(r.Context())
		if !ok {
			return nil
		}
		return NewServer(a, c, log)
	}, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, MaxRequestBodyBytes: MaxBodyBytes})
}

// schemas caches the tools' input schemas across the servers built for
// each request.
var schemas = mcp.NewSchemaCache()

// NewServer returns an MCP server whose tools act as c: those of Tools
// that c's credential may call on some website.
func NewServer(a *app.App, c app.Caller, log *slog.Logger) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "openfast", Version: Version}, &mcp.ServerOptions{
		Instructions: "openfast web analytics (the DataFast API). With a dft_ account token, pass websiteId to the website tools " +
			"(websites_list gives the ids); a df_ website key acts on its own website. Dates are ISO 8601 (startAt, endAt).",
		SchemaCache: schemas,
	})
	hidden := map[string]app.Action{}
	for _, t := range Tools {
		if Visible(t.Action, c.Principal) {
			t.add(s, a, c, log)
		} else {
			hidden[t.Name] = t.Action
		}
	}
	s.AddReceivingMiddleware(refuseHidden(hidden, c))
	return s
}

// refuseHidden answers a call of a tool that the caller may not call (and
// does not see) with a tool error giving the reason, as the REST twin
// would refuse it, rather than as an unknown tool.
func refuseHidden(hidden map[string]app.Action, c app.Caller) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method != "tools/call" {
				return next(ctx, method, req)
			}
			params, ok := req.GetParams().(*mcp.CallToolParamsRaw)
			if !ok {
				return next(ctx, method, req)
			}
			act, ok := hidden[params.Name]
			if !ok {
				return next(ctx, method, req)
			}
			var args struct {
				WebsiteID string `json:"websiteId"`
			}
			json.Unmarshal(params.Arguments, &args)
			d, _ := app.Decide(act, c.Principal, args.WebsiteID)
			msg := d.Message
			if d.Allowed || msg == "" {
				msg = "This credential may not call " + params.Name + "."
			}
			res := &mcp.CallToolResult{}
			res.SetError(errors.New(msg))
			return res, nil
		}
	}
}

// Visible reports whether p may call act on some website: the tools list
// shows only those tools. The call itself is decided again by the app.
func Visible(act app.Action, p *auth.Principal) bool {
	if act.Policy.Scope == auth.ScopeAccount {
		d, _ := app.Decide(act, p, "")
		return d.Allowed
	}
	if p.Kind == auth.KindWebsiteKey || p.Kind == auth.KindPublic {
		d, _ := app.Decide(act, p, p.WebsiteID)
		return d.Allowed
	}
	for id := range p.Memberships {
		if d, _ := app.Decide(act, p, id); d.Allowed {
			return true
		}
	}
	return false
}

// toolError is the error of a tool call: the message the REST API would
// answer (never an internal detail), so that the result carries IsError
// and the reason.
func toolError(log *slog.Logger, tool string, c app.Caller, err error) error {
	code := openfast.ErrorCode(err)
	if openfast.HTTPStatus(code) >= 500 && code != openfast.EUNAVAILABLE {
		log.Error("mcp tool", "tool", tool, "credential", c.DisplayKey, "error", err.Error())
		return errors.New("An internal error occurred.")
	}
	return errors.New(openfast.ErrorMessage(err))
}
