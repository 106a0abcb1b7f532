package container

import "github.com/skiff-containers/skiff/internal/errdefs"

func invalidf(format string, args ...any) error { return errdefs.Invalid(format, args...) }
