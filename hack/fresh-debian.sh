#!/bin/bash
# Tries README's first command on a fresh Debian 12, as a newcomer would:
# a minimal Debian root (mmdebstrap --variant=minbase, what Debian's
# container images hold) run as a privileged skiff container, the source
# tree (git archive HEAD) copied in, then
#
#   root    as root, in one fresh container: hack/demo.sh (what `make demo`
#           runs; a fresh Debian has no make, demo installs it)
#   user    in another fresh container: useradd alice; as alice,
#           hack/demo.sh prints the lines root must run; root runs them
#           exactly; alice runs hack/demo.sh again
#
# Each phase's output goes to $WORK/PHASE.log and the script says which
# failed. It needs root, mmdebstrap, the Debian mirror and the Go module
# proxy (Go comes from hack/install-go.sh); a cold run takes 15-30 minutes
# on two cores. Nothing here is part of make test: it needs the internet.
#
# The container: / is the image's overlay, so /var/lib/containers, /home
# and /tmp (the demo's storage roots) are a volume or tmpfs
# (overlay-on-overlay does not mount). Certificates in
# /usr/local/share/ca-certificates are copied in, for networks that
# intercept TLS; ca-certificates' own install picks them up.
#
# Usage: hack/fresh-debian.sh [root|user]...   (default: root user)
#   WORK=/var/tmp/skiff-fresh-debian  SKIFF=bin/skiff  MIRROR=http://deb.debian.org/debian
#   SUBNET=10.123.0.0/24 (the container's network; not 10.88.0.0/16)
#   KEEP=1 leaves the containers (skiff --root $WORK/store ... exec -it NAME bash)
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${WORK:-/var/tmp/skiff-fresh-debian}
SKIFF=$(realpath "${SKIFF:-bin/skiff}")
MIRROR=${MIRROR:-http://deb.debian.org/debian}
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(root user)

[ "$(id -u)" = 0 ] || { echo "fresh-debian: run as root (the container is privileged)" >&2; exit 1; }
command -v mmdebstrap >/dev/null || { echo "fresh-debian: needs mmdebstrap (apt-get install mmdebstrap)" >&2; exit 1; }
[ -x "$SKIFF" ] || { echo "fresh-debian: no $SKIFF: run make first" >&2; exit 1; }

mkdir -p "$WORK"
sk() { "$SKIFF" --root "$WORK/store" --runroot "$WORK/run" "$@"; }
image=localhost/skiff-fresh-debian:12
if [ ! -s "$WORK/rootfs.tar" ]; then
	echo "fresh-debian: mmdebstrap --variant=minbase bookworm (a few minutes)"
	mmdebstrap --variant=minbase bookworm "$WORK/rootfs.tar.tmp" "$MIRROR" >"$WORK/mmdebstrap.log" 2>&1
	mv "$WORK/rootfs.tar.tmp" "$WORK/rootfs.tar"
fi
sk image exists "$image" || sk import "$WORK/rootfs.tar" "$image" >/dev/null
# A network of its own: on skiff's default bridge (10.88.0.0/16) the
# container's address would overlap the default bridge of the skiff
# inside, which refuses to start it.
net=skiff-fresh-debian
sk network exists "$net" || sk network create --subnet "${SUBNET:-10.123.0.0/24}" "$net" >/dev/null

# fresh NAME DIR [USER]: a new container from the fresh root, with the
# host's extra certificates, USER created (useradd, as root would) and the
# source tree in DIR, owned by USER.
fresh() {
	local name=$1 dir=$2 user=${3:-}
	sk rm -f "$name" >/dev/null 2>&1 || true
	rm -rf "${WORK:?}/$name"
	mkdir -p "$WORK/$name/containers" "$WORK/$name/home"
	sk run -d --name "$name" --privileged --network "$net" \
		-v "$WORK/$name/containers:/var/lib/containers" -v "$WORK/$name/home:/home" \
		--tmpfs /tmp:exec "$image" sleep infinity >/dev/null
	if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
		sk exec "$name" mkdir -p /usr/local/share/ca-certificates
		tar -C /usr/local/share/ca-certificates -c . | sk exec -i "$name" tar -x -C /usr/local/share/ca-certificates
	fi
	[ -z "$user" ] || sk exec "$name" useradd --create-home --shell /bin/bash "$user"
	sk exec ${user:+--user "$user"} "$name" mkdir -p "$dir"
	git archive HEAD | sk exec -i ${user:+--user "$user"} "$name" tar -x -C "$dir"
}

done_() {
	[ -n "${KEEP:-}" ] || sk rm -f "$1" >/dev/null 2>&1 || true
}

rc=0
for phase in "${phases[@]}"; do
	log=$WORK/$phase.log
	name=skiff-fresh-$phase
	case $phase in
	root)
		fresh "$name" /root/skiff
		echo "fresh-debian: root: hack/demo.sh as root (log: $log)"
		if sk exec "$name" bash -c 'cd /root/skiff && hack/demo.sh' >"$log" 2>&1; then
			echo "fresh-debian: root: passed"
		else
			echo "fresh-debian: root: FAILED; the end of $log:"; tail -15 "$log"; rc=1
		fi
		done_ "$name"
		;;
	user)
		fresh "$name" /home/alice/skiff alice
		as_alice() { sk exec --user alice --workdir /home/alice/skiff -e HOME=/home/alice -e USER=alice "$name" "$@"; }
		echo "fresh-debian: user: hack/demo.sh as alice, the lines it prints as root, hack/demo.sh again (log: $log)"
		{
			echo "### alice: hack/demo.sh"
			as_alice hack/demo.sh && { echo "### the first run needed nothing: unexpected on a fresh machine"; exit 1; }
		} >"$log" 2>&1 || true
		# the lines to run as root: those after "Run as root:", indented
		lines=$(sed -n '/Run as root:/,$ { s/^  //p }' "$log")
		if [ -z "$lines" ]; then
			echo "fresh-debian: user: FAILED: demo printed no lines to run as root"; tail -15 "$log"; rc=1
		else
			ok=yes
			while IFS= read -r line; do
				echo "### root: $line" >>"$log"
				sk exec "$name" bash -c "$line" >>"$log" 2>&1 || { ok=; echo "### that line failed" >>"$log"; break; }
			done <<<"$lines"
			echo "### alice: hack/demo.sh again" >>"$log"
			if [ -n "$ok" ] && as_alice hack/demo.sh >>"$log" 2>&1; then
				echo "fresh-debian: user: passed"
			else
				echo "fresh-debian: user: FAILED; the end of $log:"; tail -15 "$log"; rc=1
			fi
		fi
		done_ "$name"
		;;
	*) echo "fresh-debian: unknown phase $phase (root or user)" >&2; exit 2 ;;
	esac
done
exit $rc
