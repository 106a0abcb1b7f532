// Package netns owns container networking: network namespaces, the
// rootless outward helpers (pasta, slirp4netns), bridges, published ports,
// /etc/hosts and /etc/resolv.conf.
//
// It must not import storage, runtime or rootless: callers pass pids, paths
// and id maps.
package netns
