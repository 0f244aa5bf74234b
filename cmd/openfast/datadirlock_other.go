//go:build !unix

package main

// lockDataDir does nothing where there is no flock: the event database's
// own lock still refuses a second server.
func lockDataDir(string) (func(), error) { return func() {}, nil }
