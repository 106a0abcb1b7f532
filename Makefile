# skiff: see README.md.
#   make          build bin/skiff
#   make test     go vet, unit tests, the Kubernetes validation of kube generate's
#                 YAML, every fuzz target for 10s, end-to-end tests (as root and
#                 rootless, the short soak among them), then the cgroup v2 limits
#                 in a VM (make test-vm) when root
#   make demo     from a fresh Debian machine to a rootless container
#                 (hack/prepare-host.sh prepares the host, as for .ci/run)
#   make bench    skiff against podman, as ratios
#   make fuzz     every parser's fuzz target for FUZZTIME (10s) each
#   make soak     SOAK_LOOPS (32) concurrent loops for SOAK_MIN (10) minutes
#   make images   the test images (test/images/README.md)
#   make man      the man pages (docs/man -> bin/man/man1), with go-md2man
#   make install  binary, man pages, shell completions (PREFIX, DESTDIR, DOCKER_ALIAS=1)
#   make doctest  run the tutorials' commands (docs/tutorial*.md; make test runs them too)
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

# installation: GNU's directory variables
PREFIX       ?= /usr/local
DESTDIR      ?=
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR   ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR  ?= $(PREFIX)/share/fish/vendor_completions.d
# DOCKER_ALIAS=1 also installs docker and docker-compose as links to skiff
DOCKER_ALIAS ?=

export SKIFF_TEST_SLOW

.PHONY: all bin/skiff bin/skiff-faults test unit kube-validate e2e e2e-root e2e-rootless images demo bench vet clean man man-sync install uninstall doctest test-vm test-vm-if-possible fuzz soak

all: bin/skiff

# The init and exec roles' own small program first (runtime/initexe),
# then skiff with it embedded. hack/lazy-jsonschema.sh: compose-go's
# schema library compiles its meta-schemas on first use instead of in
# every skiff process's init (a patched copy, used through -modfile);
# hack/lazy-regexps.sh: the same for the regular expressions of
# distribution/reference, image/v5, go-digest, the YAML libraries,
# buildkit's Dockerfile parser, compose-go's template and a few others;
# hack/lean-ocicrypt.sh: ocicrypt without its gRPC key provider protocol,
# which skiff cannot reach (it never encrypts or decrypts a layer);
# hack/lean-protobuf.sh: sigstore without its algorithm registry and
# buildkit's util/stack without its protobuf message, which nothing in
# skiff calls (so no protobuf linked); hack/lazy-tables.sh: the checksum,
# Huffman and OpenPGP curve tables of xz, klauspost/compress, tar-split
# and go-crypto built on first use.
# hack/quiet-mountpoints.sh: go.podman.io/storage without its rewrites
# of mountpoints.json that do not change it (four fdatasyncs of the ten
# of a create and an rm). bin/skiff-faults is built from the same copies.
bin/skiff:
	$(GOBUILD) -o runtime/initexe/skiff-initexe ./runtime/initexe/program
	GO=$(GO) hack/lazy-jsonschema.sh bin/.lazy >/dev/null
	GO=$(GO) hack/lazy-regexps.sh bin/.lazy >/dev/null
	GO=$(GO) hack/lean-ocicrypt.sh bin/.lazy >/dev/null
	GO=$(GO) hack/lean-protobuf.sh bin/.lazy >/dev/null
	GO=$(GO) hack/lazy-tables.sh bin/.lazy >/dev/null
	GO=$(GO) hack/quiet-mountpoints.sh bin/.lazy >/dev/null
	CGO_ENABLED=1 $(GO) build -tags "$(TAGS) skiff_initexe" -trimpath -modfile bin/.lazy/go.mod -o $@ \
	  -ldflags "$(LDFLAGS) -X github.com/skiff-containers/skiff/runtime/initexe.digest=$$(sha256sum runtime/initexe/skiff-initexe | cut -c1-64)" .

# skiff with the kill -9 matrix's fault points (internal/fault): for the
# e2e tests only, never installed.
bin/skiff-faults: bin/skiff
	CGO_ENABLED=1 $(GO) build -tags "$(TAGS) skiff_initexe skiff_faults" -trimpath -modfile bin/.lazy/go.mod -o $@ \
	  -ldflags "$(LDFLAGS) -X github.com/skiff-containers/skiff/runtime/initexe.digest=$$(sha256sum runtime/initexe/skiff-initexe | cut -c1-64)" .

images:
	GO=$(GO) hack/make-test-images.sh

vet:
	$(GO) vet -tags "$(TAGS)" ./...

# go vet and the unit tests first, every fuzz target for TEST_FUZZTIME
# (10s: about 5 minutes of the run), then the end-to-end suites: as root
# and as the unprivileged user when run by root, rootless only when run by
# a user. SKIFF_TEST_SLOW=1 adds the slow suites; TEST_FUZZTIME=0 leaves
# the fuzzing out.
TEST_FUZZTIME ?= 10s
test:
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory vet && \
	$(MAKE) --no-print-directory unit && \
	$(MAKE) --no-print-directory kube-validate && \
	{ [ "$(TEST_FUZZTIME)" = 0 ] || $(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME) FUZZ=; } && \
	$(MAKE) --no-print-directory e2e && \
	$(MAKE) --no-print-directory test-vm-if-possible; rc=$$?; \
	echo "make test: $$( [ $$rc = 0 ] && echo passed || echo FAILED ) in $$(( $$(date +%s) - start ))s"; \
	exit $$rc

unit:
	$(GOTEST) -count=1 $$($(GO) list -tags "$(TAGS)" ./... | grep -v /test/)

# kube generate's YAML (runtime/kube/testdata) against the Kubernetes
# API's own validation, and runtime/kube/schema.go against k8s.io/api: a
# module of its own (test/kubevalidate), so skiff's stays free of k8s.io.
kube-validate:
	cd test/kubevalidate && $(GO) test -count=1 ./...

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

# the tutorials, command by command, as root and rootless as e2e runs
# (they are e2e tests: test/e2e/doctest_test.go)
doctest:
	@$(MAKE) --no-print-directory e2e E2E_FLAGS="-run ^TestDoc $(E2E_FLAGS)"

# The resource-limit tests on cgroup v2 (root, and rootless with a delegated
# subtree) in a qemu VM; see hack/test-vm.sh.
test-vm: images
	GO=$(GO) SKIFF_TEST_IMAGES=$(or $(SKIFF_TEST_IMAGES),test/images/cache) hack/test-vm.sh

# make test's last step: the VM suite where it can run (root, qemu
# installed), unless SKIFF_TEST_VM=0; otherwise one line saying why not.
test-vm-if-possible:
	@if [ "$${SKIFF_TEST_VM:-1}" = 0 ]; then echo "test-vm: skipped (SKIFF_TEST_VM=0)"; \
	elif [ "$(UID)" != 0 ] || ! command -v qemu-system-x86_64 >/dev/null; then \
	  echo "test-vm: skipped (needs root and qemu-system-x86; .ci/run installs it)"; \
	else $(MAKE) --no-print-directory test-vm; fi

bench: bin/skiff images
	$(GO) run -tags "$(TAGS)" ./test/bench -skiff $(CURDIR)/bin/skiff $(BENCH_ARGS)

# man pages: docs/man/*.1.md (prose by hand, OPTIONS kept complete by the
# command tree) -> bin/man/man1; man-sync adds what new commands and flags
# need (TestManPages says what is missing).
man:
	$(GO) run -tags "$(TAGS)" ./hack/man build bin/man

man-sync:
	$(GO) run -tags "$(TAGS)" ./hack/man sync

install: bin/skiff man
	@for link in $(if $(DOCKER_ALIAS),docker docker-compose); do \
		t=$(DESTDIR)$(BINDIR)/$$link; \
		if [ -e $$t ] && [ "$$(readlink $$t)" != skiff ]; then \
			echo "install: $$t exists and is not skiff: remove it, or install without DOCKER_ALIAS=1" >&2; exit 1; \
		fi; \
	done
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 bin/skiff $(DESTDIR)$(BINDIR)/skiff
	install -m 0644 bin/man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	bin/skiff completion bash >$(DESTDIR)$(BASHCOMPDIR)/skiff
	bin/skiff completion zsh >$(DESTDIR)$(ZSHCOMPDIR)/_skiff
	bin/skiff completion fish >$(DESTDIR)$(FISHCOMPDIR)/skiff.fish
ifneq ($(DOCKER_ALIAS),)
	ln -sfn skiff $(DESTDIR)$(BINDIR)/docker
	ln -sfn skiff $(DESTDIR)$(BINDIR)/docker-compose
	$(DESTDIR)$(BINDIR)/docker completion bash >$(DESTDIR)$(BASHCOMPDIR)/docker
	$(DESTDIR)$(BINDIR)/docker completion zsh >$(DESTDIR)$(ZSHCOMPDIR)/_docker
	$(DESTDIR)$(BINDIR)/docker completion fish >$(DESTDIR)$(FISHCOMPDIR)/docker.fish
endif

# uninstall removes what install put, and the docker links only when they
# are skiff's
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/skiff $(DESTDIR)$(MANDIR)/man1/skiff.1 $(DESTDIR)$(MANDIR)/man1/skiff-*.1 \
		$(DESTDIR)$(BASHCOMPDIR)/skiff $(DESTDIR)$(ZSHCOMPDIR)/_skiff $(DESTDIR)$(FISHCOMPDIR)/skiff.fish
	@for link in docker docker-compose; do \
		t=$(DESTDIR)$(BINDIR)/$$link; \
		if [ "$$(readlink $$t)" = skiff ]; then rm -f $$t && echo "rm -f $$t"; fi; \
	done
	@for f in $(DESTDIR)$(BASHCOMPDIR)/docker $(DESTDIR)$(ZSHCOMPDIR)/_docker $(DESTDIR)$(FISHCOMPDIR)/docker.fish; do \
		if grep -qs __complete $$f; then rm -f $$f && echo "rm -f $$f"; fi; \
	done

# The soak (test/e2e TestSoak): SOAK_LOOPS concurrent loops for SOAK_MIN
# minutes, rootless (as SKIFF_TEST_USER when run by root) or as root with
# SOAK_MODE=root. `make test`'s e2e suites run a short one (1 minute, 8
# loops).
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
