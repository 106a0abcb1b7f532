#!/bin/bash
# make demo: from a fresh Debian machine to a container run by an
# unprivileged user, without the internet once the Debian packages are
# there.
#
#   1. the Debian packages skiff needs (installed when run as root, else the
#      apt-get line to run is printed)
#   2. bin/skiff
#   3. the busybox test image (hack/make-test-images.sh busybox)
#   4. as an unprivileged user (yourself, or when root: $SKIFF_DEMO_USER,
#      $SUDO_USER or skiffer, created with a subuid range if missing):
#      skiff load, skiff run, in a temporary storage root removed afterwards
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(uidmap busybox-static gcc libc6-dev make)
GO=${GO:-go}
command -v "$GO" >/dev/null || GO=/usr/local/go/bin/go
have_go=yes
"$GO" version >/dev/null 2>&1 || { have_go=; PKGS+=(curl unzip ca-certificates); }

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Debian packages: ${PKGS[*]}"
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages; run as root:"
		echo "  apt-get install -y --no-install-recommends ${missing[*]}"
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		{ apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; }
else
	echo "all installed"
fi
if [ -z "$have_go" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "Go is needed to build skiff; run as root: hack/install-go.sh (or install it from https://go.dev/dl)" >&2
		exit 1
	fi
	step "Go toolchain"
	hack/install-go.sh
	GO=/usr/local/go/bin/go
fi

step "build bin/skiff"
make --no-print-directory GO="$GO" bin/skiff
ldd bin/skiff | sed 's/^/  /'

step "busybox test image"
GO=$GO hack/make-test-images.sh busybox

# The user who runs the container.
if [ "$(id -u)" = 0 ]; then
	user=${SKIFF_DEMO_USER:-${SUDO_USER:-skiffer}}
	[ "$user" != root ] || user=skiffer
	if ! id "$user" >/dev/null 2>&1; then
		step "create the unprivileged user $user"
		useradd --create-home --shell /bin/bash "$user"
	fi
	if ! grep -q "^$user:" /etc/subuid || ! grep -q "^$user:" /etc/subgid; then
		# after every range in use, so that no two users overlap
		start=$(awk -F: 'BEGIN { m = 100000 } { if ($2 + $3 > m) m = $2 + $3 } END { print m }' /etc/subuid /etc/subgid 2>/dev/null || echo 100000)
		usermod --add-subuids "$start-$((start + 65535))" --add-subgids "$start-$((start + 65535))" "$user"
		echo "gave $user the subordinate ids $start-$((start + 65535))"
	fi
else
	user=$(id -un)
fi

# A directory the user can read: the repository may sit under /root.
demo=$(mktemp -d /tmp/skiff-demo.XXXXXX)
chmod 0755 "$demo"
install -m 0755 bin/skiff "$demo/skiff"
install -m 0644 test/images/cache/busybox.tar "$demo/busybox.tar"
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
skiff info --format 'rootless: {{.Rootless}}, storage driver: {{.Driver}}, uid mapping: {{json .IDMappings.UIDMap}}'
skiff load -i "$demo/busybox.tar"
skiff images
skiff run --rm busybox sh -c 'echo "hello from a skiff container: $(id)"; cat /proc/self/uid_map'
step "done"
