# skiff: see README.md.
#   make          build bin/skiff
#   make test     go vet, unit tests, then end-to-end tests (as root and rootless)
#   make demo     from a fresh Debian machine to a rootless container
#                 (hack/prepare-host.sh prepares the host, as for .ci/run)
#   make bench    skiff against podman, as ratios
#   make fuzz     every parser's fuzz target for FUZZTIME (10s) each
#   make soak     SOAK_LOOPS (32) concurrent loops for SOAK_MIN (10) minutes
#   make images   the test images (test/images/README.md)
GO        ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
TAGS      := containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_zfs containers_image_docker_daemon_stub urfave_cli_no_docs
COMMIT    := $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS   := -s -w -X github.com/skiff-containers/skiff/internal/version.Commit=$(COMMIT)
GOBUILD   := CGO_ENABLED=1 $(GO) build -tags "$(TAGS)" -trimpath -ldflags '$(LDFLAGS)'
GOTEST    := CGO_ENABLED=1 $(GO) test -tags "$(TAGS)"

# end-to-end tests: the unprivileged user for rootless runs, a second one
# whose /etc/subuid lines the range tests may rewrite (empty: they skip),
# and knobs
SKIFF_TEST_USER ?= skiffer
SKIFF_TEST_RANGE_USER ?=
E2E_TIMEOUT     ?= 40m
E2E_PARALLEL    ?= 4
E2E_FLAGS       ?=
UID             := $(shell id -u)
HAVE_TEST_USER  := $(shell id -u $(SKIFF_TEST_USER) >/dev/null 2>&1 && echo yes)
E2E             := SKIFF_BINARY=$(CURDIR)/bin/skiff SKIFF_FAULT_BINARY=$(CURDIR)/bin/skiff-faults SKIFF_TEST_USER=$(SKIFF_TEST_USER) SKIFF_TEST_RANGE_USER=$(SKIFF_TEST_RANGE_USER) \
                   $(GOTEST) -count=1 -timeout $(E2E_TIMEOUT) -parallel $(E2E_PARALLEL) $(E2E_FLAGS) ./test/e2e

export SKIFF_TEST_SLOW

.PHONY: all bin/skiff bin/skiff-faults test unit e2e e2e-root e2e-rootless images demo bench vet clean test-vm fuzz soak

all: bin/skiff

# The init and exec roles' own small program first (runtime/initexe),
# then skiff with it embedded.
bin/skiff:
	$(GOBUILD) -o runtime/initexe/skiff-initexe ./runtime/initexe/program
	CGO_ENABLED=1 $(GO) build -tags "$(TAGS) skiff_initexe" -trimpath -o $@ \
	  -ldflags "$(LDFLAGS) -X github.com/skiff-containers/skiff/runtime/initexe.digest=$$(sha256sum runtime/initexe/skiff-initexe | cut -c1-64)" .

# skiff with the kill -9 matrix's fault points (internal/fault): for the
# e2e tests only, never installed.
bin/skiff-faults: bin/skiff
	CGO_ENABLED=1 $(GO) build -tags "$(TAGS) skiff_initexe skiff_faults" -trimpath -o $@ \
	  -ldflags "$(LDFLAGS) -X github.com/skiff-containers/skiff/runtime/initexe.digest=$$(sha256sum runtime/initexe/skiff-initexe | cut -c1-64)" .

images:
	GO=$(GO) hack/make-test-images.sh

vet:
	$(GO) vet -tags "$(TAGS)" ./...

# go vet and the unit tests first, then the end-to-end suites: as root and
# as the unprivileged user when run by root, rootless only when run by a
# user. SKIFF_TEST_SLOW=1 adds the slow suites.
test:
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory vet && \
	$(MAKE) --no-print-directory unit && \
	$(MAKE) --no-print-directory e2e; rc=$$?; \
	echo "make test: $$( [ $$rc = 0 ] && echo passed || echo FAILED ) in $$(( $$(date +%s) - start ))s"; \
	exit $$rc

unit:
	$(GOTEST) -count=1 $$($(GO) list -tags "$(TAGS)" ./... | grep -v /test/)

ifeq ($(UID),0)
e2e: e2e-root e2e-rootless
else
e2e: e2e-rootless
endif

e2e-root: bin/skiff bin/skiff-faults images
	SKIFF_TEST_MODE=root $(E2E)

e2e-rootless: bin/skiff bin/skiff-faults images
ifeq ($(UID),0)
ifneq ($(HAVE_TEST_USER),yes)
	@echo "e2e-rootless: no user $(SKIFF_TEST_USER): create it with a subuid range (.ci/run does) or set SKIFF_TEST_USER" >&2; exit 1
endif
endif
	SKIFF_TEST_MODE=rootless $(E2E)

demo:
	GO=$(GO) hack/demo.sh

# The resource-limit tests on cgroup v2 (root, and rootless with a delegated
# subtree) in a qemu VM; see hack/test-vm.sh.
test-vm: images
	GO=$(GO) SKIFF_TEST_IMAGES=$(or $(SKIFF_TEST_IMAGES),test/images/cache) hack/test-vm.sh

bench: bin/skiff images
	$(GO) run -tags "$(TAGS)" ./test/bench -skiff $(CURDIR)/bin/skiff $(BENCH_ARGS)

# The soak (test/e2e TestSoak): SOAK_LOOPS concurrent loops for SOAK_MIN
# minutes, rootless (as SKIFF_TEST_USER when run by root) or as root with
# SOAK_MODE=root. Not part of `make test`.
SOAK_MIN   ?= 10
SOAK_LOOPS ?= 32
SOAK_MODE  ?= rootless
soak: bin/skiff bin/skiff-faults images
	SOAK_MIN=$(SOAK_MIN) SOAK_LOOPS=$(SOAK_LOOPS) SKIFF_TEST_MODE=$(SOAK_MODE) SKIFF_BINARY=$(CURDIR)/bin/skiff SKIFF_FAULT_BINARY=$(CURDIR)/bin/skiff-faults SKIFF_TEST_USER=$(SKIFF_TEST_USER) \
	  $(GOTEST) -count=1 -timeout $$(( $(SOAK_MIN) * 2 + 20 ))m -run '^TestSoak$$' -v ./test/e2e

# Native Go fuzzing of the parsers of user input (hack/fuzz.sh): FUZZTIME
# per target, FUZZ=regexp to pick some. Their seed corpora and past
# crashers run in `make unit` anyway.
FUZZTIME ?= 10s
fuzz:
	GO=$(GO) TAGS="$(TAGS)" FUZZTIME=$(FUZZTIME) FUZZ="$(FUZZ)" hack/fuzz.sh

clean:
	rm -rf bin runtime/initexe/skiff-initexe
