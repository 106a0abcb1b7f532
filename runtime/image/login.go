package image

import (
	"context"

	"github.com/skiff-containers/skiff/runtime/engine"
	simage "github.com/skiff-containers/skiff/storage/image"
)

// Login checks the credentials against the registry, then stores them in
// the auth file; tlsVerify is --tls-verify (nil: the registry's default).
func Login(ctx context.Context, e *engine.Engine, o LoginOptions, tlsVerify *bool) error {
	return simage.Login(ctx, sysContext(e, tlsVerify), o)
}

// Logout removes the stored credentials of registry (what users type
// after `logout`); found is false when there were none. key is the auth
// file's name for the registry.
func Logout(e *engine.Engine, registry string) (key string, found bool, err error) {
	key = simage.RegistryKey(registry)
	found, err = simage.Logout(e.SystemContext(), key)
	return key, found, err
}

// StoredUsername returns the user name stored for registry, or "".
func StoredUsername(e *engine.Engine, registry string) string {
	return simage.StoredUsername(e.SystemContext(), registry)
}
