#!/bin/bash
# make demo: from a fresh Debian machine to a container run by an
# unprivileged user, without the internet once the Debian packages are
# there.
#
#   1. the host (hack/prepare-host.sh, as .ci/run prepares it): the Debian
#      packages the default path needs (passt for rootless networking,
#      uidmap, busybox-static, a C compiler), Go when missing, /dev/net/tun
#      and /dev/fuse usable by every user, / rshared, and the user below with
#      a subordinate id range. As root it makes each change and says so; as a
#      user it prints the lines root must run and stops.
#   2. bin/skiff
#   3. the busybox test image (hack/make-test-images.sh busybox)
#   4. as the unprivileged user (yourself, or when root: $SKIFF_DEMO_USER,
#      $SUDO_USER or skiffer): skiff system check, load, run, in a temporary
#      storage root removed afterwards
#   5. the commands to try next
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(uidmap passt busybox-static gcc libc6-dev make)

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# The user who runs the container.
if [ "$(id -u)" = 0 ]; then
	user=${SKIFF_DEMO_USER:-${SUDO_USER:-skiffer}}
	[ "$user" != root ] || user=skiffer
else
	user=$(id -un)
fi

step "prepare the host for $user"
if [ "$(id -u)" = 0 ]; then
	hack/prepare-host.sh --go --user "$user" "${PKGS[@]}"
elif ! hack/prepare-host.sh --go --user "$user" "${PKGS[@]}"; then
	echo "Then run make demo again."
	exit 1
fi
GO=${GO:-go}
command -v "$GO" >/dev/null || GO=/usr/local/go/bin/go

step "build bin/skiff"
# The modules first, a few tries: one stalled download (a proxy that
# times out on a first build's hundreds of fetches) should not end the
# demo; what was fetched stays in the module cache.
for try in 1 2 3; do
	"$GO" mod download && break
	[ "$try" = 3 ] && { echo "demo: go mod download failed three times: check the network or GOPROXY, then run make demo again" >&2; exit 1; }
	echo "demo: go mod download failed; trying again ($try of 3)"
done
make --no-print-directory GO="$GO" bin/skiff
ldd bin/skiff | sed 's/^/  /'

step "busybox test image"
GO=$GO hack/make-test-images.sh busybox
images=$(cd "${SKIFF_TEST_IMAGES:-test/images/cache}" && pwd)

# A directory the user can read: the repository may sit under /root.
demo=$(mktemp -d /tmp/skiff-demo.XXXXXX)
chmod 0755 "$demo"
install -m 0755 bin/skiff "$demo/skiff"
install -m 0644 "$images/busybox.tar" "$demo/busybox.tar"
[ "$(id -u)" != 0 ] || chown "$user" "$demo"
cleanup() {
	run_as "$demo/skiff" --root "$demo/root" --runroot "$demo/run" unshare rm -rf "$demo/root" "$demo/run" 2>/dev/null || true
	rm -rf "$demo"
}
trap cleanup EXIT

run_as() {
	if [ "$(id -u)" = 0 ]; then
		local home
		home=$(getent passwd "$user" | cut -d: -f6)
		setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
			env -i HOME="$home" USER="$user" LOGNAME="$user" PATH=/usr/local/bin:/usr/bin:/bin TERM="${TERM:-dumb}" "$@"
	else
		"$@"
	fi
}

skiff() {
	printf '%s$ skiff' "$user"
	local a
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./:=@%+-]*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	echo
	run_as "$demo/skiff" --root "$demo/root" --runroot "$demo/run" "$@"
}

step "as $user (uid $(id -u "$user")): a rootless container"
if ! skiff system check; then
	echo "Fix the problems above (each line ends with the command that fixes it), then run make demo again."
	exit 1
fi
skiff info --format 'rootless: {{.Rootless}}, storage driver: {{.Driver}}, uid mapping: {{json .IDMappings.UIDMap}}'
skiff load -i "$demo/busybox.tar"
skiff images
skiff run --rm busybox sh -c 'echo "hello from a skiff container: $(id), address $(ip -4 -o addr show eth0 | awk "{ print \$4 }")"; cat /proc/self/uid_map'

step "done; try next"
image="skiff pull busybox"
if run_as test -r "$images/busybox.tar"; then
	image="skiff load -i $images/busybox.tar   # or, with the internet: skiff pull busybox"
fi
as=""
[ "$(id -u)" != 0 ] || as=" (su - $user)"
cat <<NEXT
Put skiff on PATH (as root): install -m 0755 $PWD/bin/skiff /usr/local/bin/skiff
Then, as $user$as:
  $image
  skiff run --rm -it busybox sh      # a shell in a container; exit leaves it
  skiff system check                 # what this machine lacks for skiff, each with its fix
NEXT
