#!/bin/bash
# Builds skiff's test images from Debian packages into test/images/cache/
# (or $SKIFF_TEST_IMAGES), deterministically and cached:
#
#   busybox.tar  docker.io/library/busybox:latest   busybox-static, CMD ["sh"]
#   debian.tar   docker.io/library/debian:bookworm  mmdebstrap minbase, CMD ["bash"]
#
# Each image is rebuilt only when this recipe or its input package versions
# change (the key is kept in NAME.key). See test/images/README.md.
#
# Usage: hack/make-test-images.sh [busybox] [debian]     (default: both)
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), GO.
set -euo pipefail

cd "$(dirname "$0")/.."
CACHE=${SKIFF_TEST_IMAGES:-test/images/cache}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
# Part of the recipe, not taken from the environment: every build of the
# same inputs must give the same digests.
EPOCH=1700000000
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
GO=${GO:-go}
if ! command -v "$GO" >/dev/null && [ -x /usr/local/go/bin/go ]; then
	GO=/usr/local/go/bin/go
fi

mkdir -p "$CACHE/debs"
CACHE=$(cd "$CACHE" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/skiff-images.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say() { echo "make-test-images: $*" >&2; }
die() { say "$*"; exit 1; }

# recipe is a hash of everything that shapes the images besides packages.
recipe() {
	cat hack/make-test-images.sh hack/mkimage/*.go internal/testutil/dockerarchive/layer.go internal/testutil/dockerarchive/archive.go |
		sha256sum | cut -c1-16
}

mkimage() {
	if [ ! -x "$WORK/mkimage" ]; then
		CGO_ENABLED=0 "$GO" build -o "$WORK/mkimage" ./hack/mkimage
	fi
	"$WORK/mkimage" -epoch "$EPOCH" "$@"
}

# up_to_date NAME KEY: the image exists and was built from KEY.
up_to_date() {
	[ -s "$CACHE/$1.tar" ] && [ -f "$CACHE/$1.key" ] && [ "$(cat "$CACHE/$1.key")" = "$2" ]
}

# candidate PKG: the version apt would install, or nothing.
candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'
}

# fetch_deb PKG VERSION: path of the .deb, from our cache, apt's cache or
# the mirror (apt-get download).
fetch_deb() {
	local pkg=$1 ver=$2 file
	file="${pkg}_${ver//:/%3a}_$(dpkg --print-architecture).deb"
	for d in "$CACHE/debs" /var/cache/apt/archives; do
		if [ -s "$d/$file" ]; then
			[ "$d" = "$CACHE/debs" ] || cp "$d/$file" "$CACHE/debs/"
			echo "$CACHE/debs/$file"
			return
		fi
	done
	(cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User="$(id -un)" "$pkg=$ver" >&2) ||
		die "cannot download $pkg $ver: check the network or run apt-get update"
	echo "$CACHE/debs/$file"
}

build_busybox() {
	local ver key deb root
	ver=$(candidate busybox-static)
	if [ -z "$ver" ]; then
		# no apt lists (fresh machine, offline): use what is installed
		ver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null) ||
			die "busybox-static unknown to apt: run apt-get update (or apt-get install busybox-static)"
	fi
	key="recipe=$(recipe) busybox-static=$ver"
	if up_to_date busybox "$key"; then
		say "busybox.tar is up to date (busybox-static $ver)"
		return
	fi
	say "building busybox.tar from busybox-static $ver"
	deb=$(fetch_deb busybox-static "$ver")
	root="$WORK/busybox"
	mkdir -p "$root"
	dpkg-deb -x "$deb" "$root"
	# keep the licence, drop docs and initramfs hooks
	find "$root/usr/share" -mindepth 1 -maxdepth 1 ! -name doc -exec rm -rf {} +
	find "$root/usr/share/doc/busybox-static" -mindepth 1 ! -name copyright -exec rm -rf {} +
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,root,tmp,var,home/skiffuser}
	local applet
	for applet in $("$root/bin/busybox" --list-full); do
		[ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$root/$applet"
	done
	cat >"$root/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/bin/sh
		skiffuser:x:1000:1000:skiff test user:/home/skiffuser:/bin/sh
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$root/etc/group" <<-'EOF'
		root:x:0:
		skiffuser:x:1000:
		nogroup:x:65534:
	EOF
	# modes independent of the umask
	find "$root" -type d -exec chmod 0755 {} +
	find "$root" -type f -exec chmod 0644 {} +
	chmod 0755 "$root/bin/busybox"
	chmod 0700 "$root/root"
	chmod 1777 "$root/tmp"
	mkimage -o "$CACHE/busybox.tar" -tag docker.io/library/busybox:latest -rootfs "$root" -root-owned \
		-chown home/skiffuser=1000:1000 -env "$PATH_ENV" -cmd sh \
		-created-by "hack/make-test-images.sh: busybox-static $ver"
	echo "$key" >"$CACHE/busybox.key"
	say "busybox.tar: $(sha256sum "$CACHE/busybox.tar" | cut -c1-16)"
}

# debian_packages: "name version" of what mmdebstrap would install now.
debian_packages() {
	mmdebstrap --variant=minbase --verbose --simulate --format=null \
		"$SUITE" /dev/null "$MIRROR" 2>&1 |
		awk '/^Inst / { gsub(/[()]/, "", $3); print $2, $3 }' | sort
}

build_debian() {
	command -v mmdebstrap >/dev/null || die "mmdebstrap not found: apt-get install mmdebstrap"
	local pkgs key
	if ! pkgs=$(debian_packages) || [ -z "$pkgs" ]; then
		if [ -s "$CACHE/debian.tar" ]; then
			say "cannot reach $MIRROR: keeping the cached debian.tar"
			return
		fi
		die "cannot resolve the $SUITE minbase packages from $MIRROR"
	fi
	key="recipe=$(recipe) mirror=$MIRROR packages=$(echo "$pkgs" | sha256sum | cut -c1-16)"
	if up_to_date debian "$key"; then
		say "debian.tar is up to date ($(echo "$pkgs" | wc -l) packages)"
		return
	fi
	say "building debian.tar: mmdebstrap --variant=minbase $SUITE ($(echo "$pkgs" | wc -l) packages)"
	# No copy of this host's hostname and resolv.conf (the runtime provides
	# both), and below no device nodes (the runtime makes /dev).
	SOURCE_DATE_EPOCH=$EPOCH mmdebstrap --quiet --variant=minbase --format=tar \
		--customize-hook='rm -f "$1"/etc/hostname "$1"/etc/resolv.conf' \
		"$SUITE" "$WORK/debian-rootfs.tar" "$MIRROR"
	mkimage -o "$CACHE/debian.tar" -tag docker.io/library/debian:bookworm -layer-tar "$WORK/debian-rootfs.tar" -drop-devices \
		-env "$PATH_ENV" -cmd bash \
		-created-by "mmdebstrap --variant=minbase $SUITE $MIRROR (SOURCE_DATE_EPOCH=$EPOCH)"
	echo "$pkgs" >"$CACHE/debian.packages"
	echo "$key" >"$CACHE/debian.key"
	say "debian.tar: $(sha256sum "$CACHE/debian.tar" | cut -c1-16)"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(busybox debian)
for t in "${targets[@]}"; do
	case $t in
	busybox) build_busybox ;;
	debian) build_debian ;;
	*) die "unknown image $t: use busybox or debian" ;;
	esac
done
