package rootless

import "errors"

var (
	// ErrNoNewUIDMap: the uidmap package (newuidmap/newgidmap) is missing.
	ErrNoNewUIDMap = errors.New(`newuidmap/newgidmap not found: install the "uidmap" package (apt-get install uidmap), or run as root`)
	// ErrUsernsDisabled: the kernel refuses unprivileged user namespaces.
	ErrUsernsDisabled = errors.New("user namespaces are disabled")
)
