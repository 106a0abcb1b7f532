#!/bin/bash
# Installs the Go toolchain go.mod asks for into PREFIX (default
# /usr/local/go) unless a recent enough go is already there or on PATH.
# The toolchain comes from the Go module proxy as the module
# golang.org/toolchain, the way `go` itself fetches toolchains
# (GOTOOLCHAIN), so it works where only the proxy is reachable.
#
# Usage: hack/install-go.sh [PREFIX]
#        hack/install-go.sh --check [PREFIX]   exit 0 when a recent enough go is there
set -euo pipefail
cd "$(dirname "$0")/.."

check=
if [ "${1:-}" = --check ]; then
	check=yes
	shift
fi
prefix=${1:-/usr/local/go}
want=$(awk '/^go / { print $2 }' go.mod)
proxy=${GOPROXY:-https://proxy.golang.org}
proxy=${proxy%%,*}
[ "$proxy" != direct ] && [ "$proxy" != off ] || proxy=https://proxy.golang.org

# newer A B: A >= B for dotted versions
newer() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$2" ]; }

for g in "$(command -v go || true)" "$prefix/bin/go"; do
	[ -x "$g" ] || continue
	have=$("$g" env GOVERSION 2>/dev/null | sed 's/^go//') || continue
	if newer "$have" "$want"; then
		echo "install-go: $g is go$have (go.mod wants $want)"
		exit 0
	fi
done
if [ -n "$check" ]; then
	echo "install-go: no go$want or later on PATH or in $prefix"
	exit 1
fi

case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
*) echo "install-go: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
mod="v0.0.1-go$want.linux-$arch"
url="$proxy/golang.org/toolchain/@v/$mod.zip"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "install-go: fetching go$want from $url"
curl -fsSL --retry 3 -o "$tmp/go.zip" "$url"
(cd "$tmp" && unzip -q go.zip)
src="$tmp/golang.org/toolchain@$mod"
[ -x "$src/bin/go" ] || chmod -R a+rX "$src"
# module zips carry no file modes: make the tools executable again
chmod 0755 "$src"/bin/* "$src"/pkg/tool/*/*
rm -rf "$prefix"
mkdir -p "$(dirname "$prefix")"
mv "$src" "$prefix"
"$prefix/bin/go" version
