package monitor

// monitor.c carries the monitor; this import makes cgo compile it.

// #cgo CFLAGS: -Wall -Wno-format-truncation -O2
import "C"
