package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/openfast/openfast/api"
)

// listenOps serves the operator routes (/metrics, /readyz) on addr, apart
// from the API. The returned function closes that listener.
func listenOps(addr string, srv *api.Server, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen %s: %w", addr, err)
	}
	httpServer := srv.OpsHTTPServer()
	go func() {
		if err := httpServer.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "error", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	return func() { httpServer.Close() }, nil
}
