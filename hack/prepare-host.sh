#!/bin/bash
# Prepares a Debian machine for skiff as a normal distribution has it: what
# the tests (.ci/run) and `make demo` need.
#
#   - the Debian packages named on the command line
#   - with --go: the Go toolchain go.mod asks for (hack/install-go.sh)
#   - /dev/net/tun and /dev/fuse present and usable by every user (0666):
#     pasta, slirp4netns and fuse-overlayfs open them as the user (some VM
#     images ship them 0600)
#   - / mounted rshared, as systemd mounts it
#   - with --user NAME (repeatable): that user, created when missing, with a
#     subordinate uid and gid range after every range in use (overlapping
#     ranges break newuidmap)
#
# As root it makes each change that is needed and says so. As a user it
# changes nothing: it prints the commands root must run (the packages in one
# apt-get line) and exits 1 when there are any. `skiff system check` then
# finds what this script does not prepare (sysctls, AppArmor, ...).
#
# Usage: hack/prepare-host.sh [--go] [--user NAME]... [PACKAGE...]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

go=
users=()
pkgs=()
while [ $# -gt 0 ]; do
	case $1 in
	--go) go=yes ;;
	--user) users+=("$2"); shift ;;
	--user=*) users+=("${1#--user=}") ;;
	-*) echo "prepare-host: unknown option $1 (usage: hack/prepare-host.sh [--go] [--user NAME]... [PACKAGE...])" >&2; exit 2 ;;
	*) pkgs+=("$1") ;;
	esac
	shift
done

root=
[ "$(id -u)" = 0 ] && root=yes
todo=()

# change DESCRIPTION COMMAND: as root, runs the command and says so; as a
# user, keeps it for the list root must run.
change() {
	if [ -n "$root" ]; then
		echo "prepare-host: $1: $2"
		eval "$2"
	else
		todo+=("$2")
	fi
}

# Packages (and what fetching Go needs).
if [ -n "$go" ] && ! hack/install-go.sh --check >/dev/null 2>&1; then
	pkgs+=(curl unzip ca-certificates)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ -n "$root" ]; then
		echo "prepare-host: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -q --no-install-recommends "${missing[@]}" ||
			{ apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; }
	else
		todo+=("apt-get update && apt-get install -y --no-install-recommends ${missing[*]}")
	fi
fi
if [ -n "$go" ]; then
	if [ -n "$root" ]; then
		hack/install-go.sh
	elif ! hack/install-go.sh --check >/dev/null 2>&1; then
		todo+=("$repo/hack/install-go.sh")
	fi
fi

# Devices the user's helpers open: DEVICE MAJOR MINOR.
device() {
	local dev=$1 mode mk
	if [ ! -c "$dev" ]; then
		mk="mknod -m 0666 $dev c $2 $3"
		[ "$(dirname "$dev")" = /dev ] || mk="mkdir -p $(dirname "$dev") && $mk"
		change "create $dev, usable by every user" "$mk"
		return
	fi
	mode=$(stat -c %a "$dev")
	if [ $((0$mode & 6)) != 6 ]; then
		change "make $dev usable by every user (its mode was $(printf %04o $((8#$mode))))" "chmod 0666 $dev"
	fi
}
device /dev/net/tun 10 200
device /dev/fuse 10 229

propagation=$(findmnt -no PROPAGATION / 2>/dev/null || echo unknown)
if [ "$propagation" != shared ]; then
	change "make mounts under / propagate, as systemd does (it was $propagation)" "mount --make-rshared /"
fi

# ranges FILE NAME: the user's entries (by name or uid) in FILE.
ranges() {
	local uid
	uid=$(id -u "$2" 2>/dev/null || echo none)
	awk -F: -v n="$2" -v u="$uid" '$1 == n || $1 == u' "$1" 2>/dev/null
}

for user in "${users[@]}"; do
	if ! id "$user" >/dev/null 2>&1; then
		change "create the user $user" "useradd --create-home --shell /bin/bash $user"
	fi
	add=
	# after every range in use, in either file
	start=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: 'BEGIN { m = 100000 } NF == 3 { if ($2 + $3 > m) m = $2 + $3 } END { print m }')
	range="$start-$((start + 65535))"
	[ -n "$(ranges /etc/subuid "$user")" ] || add+=" --add-subuids $range"
	[ -n "$(ranges /etc/subgid "$user")" ] || add+=" --add-subgids $range"
	if [ -n "$add" ]; then
		change "give $user the subordinate ids $range" "usermod$add $user"
	fi
	if [ -n "$root" ]; then
		echo "prepare-host: $(id "$user"); subuid $(ranges /etc/subuid "$user" | head -1); subgid $(ranges /etc/subgid "$user" | head -1)"
	fi
done

if [ ${#todo[@]} -gt 0 ]; then
	echo "This machine is not ready for skiff yet. Run as root:"
	printf '  %s\n' "${todo[@]}"
	exit 1
fi
[ -n "$root" ] || echo "prepare-host: this machine is ready for skiff"
