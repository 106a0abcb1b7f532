package mounts

import (
	"fmt"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// invalidSpec is docker's error for a -v string it cannot read.
func invalidSpec(raw string, cause error) error {
	if cause == nil {
		return errdefs.Invalid("invalid volume specification: '%s'", raw)
	}
	return errdefs.Invalid("invalid volume specification: '%s': %v", raw, cause)
}

// configError is docker's error for a mount that is well formed but not
// valid for its type.
type configError struct {
	typ Type
	msg string
}

func (e *configError) Error() string {
	return fmt.Sprintf("invalid mount config for type %q: %s", e.typ, e.msg)
}

func configErr(t Type, format string, args ...any) error {
	return &configError{typ: t, msg: fmt.Sprintf(format, args...)}
}

func missingField(t Type, field string) error {
	return configErr(t, "field %s must not be empty", field)
}

func extraField(t Type, field string) error {
	return configErr(t, "field %s must not be specified", field)
}

// validateTarget checks a container path as docker does.
func validateTarget(p string) error {
	if p == "" {
		return fmt.Errorf("invalid mount path: '' mount path must be absolute")
	}
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("invalid mount path: '%s' mount path must be absolute", p)
	}
	if cleanPath(p) == "/" {
		return fmt.Errorf("invalid specification: destination can't be '/'")
	}
	return nil
}
