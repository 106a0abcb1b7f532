// Package rootless puts an unprivileged skiff process into the per-user user
// and mount namespaces, where it is root over the user's subordinate id
// range, before anything touches storage.
//
// The namespaces are held by a tiny pause process (rootless/nsjoin, C, runs
// before the Go runtime): the first rootless skiff command starts it with
// CLONE_NEWUSER|CLONE_NEWNS and maps ids with newuidmap/newgidmap; every later
// command joins it, so all of a user's skiff processes, monitors and
// containers see the same mounts. The pause process exits when nothing lives
// in its namespaces any more; when it is killed, the next command starts
// another in the same namespaces through a process still living there, and
// never a second user namespace beside the first. docs/internal.md draws the
// handshake.
//
// It must not import storage, netns or runtime: it hands plain values (ids,
// paths) to its callers.
package rootless
