# skiff: see README.md. `make` builds bin/skiff.
GO        ?= go
TAGS      := containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_zfs containers_image_docker_daemon_stub
COMMIT    := $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS   := -s -w -X github.com/skiff-containers/skiff/internal/version.Commit=$(COMMIT)
GOBUILD   := CGO_ENABLED=1 $(GO) build -tags "$(TAGS)" -trimpath -ldflags '$(LDFLAGS)'

.PHONY: all bin/skiff test unit e2e demo bench images clean

all: bin/skiff

bin/skiff:
	$(GOBUILD) -o $@ .

clean:
	rm -rf bin
