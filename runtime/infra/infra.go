// Package infra is a pod's infra process, skiff's own pause (podman's
// catatonit -P, Kubernetes' pause image): the process that holds the
// namespaces a pod's containers share. It is the skiff binary in the
// "infra" role, which the init of an infra container execs in place of a
// user program (initproc.Config.Infra), so an infra container needs no
// image. The role is C (pause.c), run by a constructor before the Go
// runtime starts: it blocks every signal, reaps the children it inherits
// as PID 1, and exits on SIGTERM, SIGINT, SIGHUP or SIGQUIT; it costs a
// few hundred kilobytes of memory.
//
// It imports nothing; main imports it for the constructor.
package infra

// #cgo CFLAGS: -Wall -O2
import "C"

// Role is the value of _SKIFF_ROLE that makes the binary the infra process.
const Role = "infra"

// Command is the infra process's command as ps and inspect show it.
var Command = []string{"/pause"}
