//go:build unix

package main

import "syscall"

// restrictUmask makes every file and folder the process creates private
// to its owner (files 0600, folders 0700), whatever mode the code or a
// library asks for.
func restrictUmask() { syscall.Umask(0o077) }
