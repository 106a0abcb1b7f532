package image

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/docker/distribution/registry/api/errcode"
	"go.podman.io/image/v5/docker"
	"go.podman.io/storage"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// Errors of this package carry the classes of internal/errdefs
// (ErrNotFound for a missing image or tag, ErrInUse for an image a
// container uses, ErrConflict, ErrInvalid for bad input, damaged archives
// and refused credentials) and read as one line that says what to do.

// noSuchImage is the error of a missing image (worded by the dialect).
func noSuchImage(name string) error {
	return errdefs.NoSuchImage(name)
}

// oneLine folds a multi-line message (image/v5 lists mirror attempts on
// several lines) into one.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// registryError turns an error of a registry operation (verb "pulling",
// "pushing", "logging in to") on ref into one line saying what went wrong
// and what to do, classed for the exit code.
func registryError(verb, ref, registry string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s %s: interrupted", verb, ref)
	}
	var unauth docker.ErrUnauthorizedForCredentials
	if errors.As(err, &unauth) {
		return errdefs.Invalid("%s %s: %s: the registry refused the credentials; log in to %s first (or check the user name and password)",
			verb, ref, authWords(err), registry)
	}
	var ec errcode.ErrorCoder
	if errors.As(err, &ec) {
		switch ec.ErrorCode().Descriptor().Value {
		case "MANIFEST_UNKNOWN":
			return errdefs.NotFound("%s %s: manifest unknown: the registry has no such tag or digest; check the name and tag", verb, ref)
		case "NAME_UNKNOWN":
			return errdefs.NotFound("%s %s: repository does not exist on %s; check the name", verb, ref, registry)
		case "UNAUTHORIZED", "DENIED":
			return errdefs.Invalid("%s %s: access denied: the repository may not exist or may need credentials; check the name, or log in to %s first",
				verb, ref, registry)
		}
	}
	if hint := networkHint(err, registry); hint != "" {
		return fmt.Errorf("%s %s: %s", verb, ref, hint)
	}
	return fmt.Errorf("%s %s: %s", verb, ref, oneLine(err.Error()))
}

func authWords(err error) string {
	if strings.Contains(err.Error(), "authentication required") {
		return "authentication required"
	}
	return "unauthorized"
}

// networkHint explains a failure to reach the registry, or returns "".
func networkHint(err error, registry string) string {
	msg := err.Error()
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("registry %s speaks plain HTTP, not HTTPS: use --tls-verify=false, or mark it insecure = true in registries.conf", registry)
	case errors.As(err, &certErr), errors.As(err, &hostErr), strings.Contains(msg, "x509: "), strings.Contains(msg, "tls: "):
		return fmt.Sprintf("cannot verify the TLS certificate of registry %s (%s): add its CA under /etc/containers/certs.d/%s/, or use --tls-verify=false", registry, lastPart(msg), registry)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("registry %s is unreachable: cannot resolve %s; check the registry name and your network", registry, dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("registry %s is unreachable (connection refused); check the address and that the registry is running", registry)
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Sprintf("registry %s is unreachable (no route to host); check your network", registry)
	case errors.As(err, &opErr), strings.Contains(msg, "i/o timeout"), strings.Contains(msg, "TLS handshake timeout"):
		return fmt.Sprintf("registry %s is unreachable (%s); check the address and your network", registry, lastPart(msg))
	case errors.Is(err, docker.ErrTooManyRequests):
		return fmt.Sprintf("registry %s refused the request: too many requests; wait and try again, or log in to raise the limit", registry)
	}
	return ""
}

// lastPart is the innermost cause of a "a: b: c" message.
func lastPart(msg string) string {
	msg = oneLine(msg)
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		return msg[i+2:]
	}
	return msg
}

// storageError words failures of the local store.
func storageError(verb, what string, err error) error {
	if errors.Is(err, storage.ErrImageUnknown) {
		return noSuchImage(what)
	}
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%s %s: no space left on the device holding the storage root; free some space (docker image prune) and try again", verb, what)
	}
	return fmt.Errorf("%s %s: %s", verb, what, oneLine(err.Error()))
}
