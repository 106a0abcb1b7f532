# Sourced by the hack/ scripts that patch a dependency for the Makefile's
# bin/skiff build (hack/lazy-regexps.sh, hack/lazy-tables.sh,
# hack/lean-ocicrypt.sh, hack/lean-protobuf.sh, hack/quiet-mountpoints.sh),
# from the repository's top, with the script's arguments
# (`. hack/modpatch.sh "$@"`): OUTDIR, the build's -modfile directory,
# whose go.mod hack/lazy-jsonschema.sh writes first. Each script copies a
# module's sources into OUTDIR, adds its replace directive there, and
# rewrites a few lines of the copy, checking that each rewrite changed
# exactly the lines it expects. Sets $script (the caller's name, for
# messages), $out (OUTDIR, absolute) and $GO.

script=hack/$(basename "$0")
[ $# = 1 ] || { echo "usage: $script OUTDIR   (after hack/lazy-jsonschema.sh OUTDIR)" >&2; exit 2; }
out=$1
GO=${GO:-go}
out=$(mkdir -p "$out" && cd "$out" && pwd)
[ -f "$out/go.mod" ] || { echo "$script: run hack/lazy-jsonschema.sh $out first" >&2; exit 1; }

fail() {
	echo "$script: $*: update the script" >&2
	exit 1
}

# copy MODULE NAME: the module's sources without tests under $out/NAME;
# prints the copy's directory. A module another script of this build
# copied already (its replace directive in $out/go.mod) is not copied
# again: the second script rewrites the same copy.
copy() {
	local mod=$1 dir
	if grep -qxF "replace $mod => $out/$2" "$out/go.mod"; then
		echo "$out/$2"
		return
	fi
	dir=$($GO list -m -f '{{.Dir}}' "$mod")
	if [ -z "$dir" ]; then
		$GO mod download "$mod"
		dir=$($GO list -m -f '{{.Dir}}' "$mod")
	fi
	local dst=$out/$2
	rm -rf "$dst" && mkdir -p "$dst"
	# the directories first, with the user's modes: cp --parents would
	# give them the module cache's (read-only), and then, for anyone but
	# root, refuse to put anything in them
	(cd "$dir" && find . -type d ! -path '*/testdata*' -print0 | (cd "$dst" && xargs -0 mkdir -p) &&
		find . -type f ! -name '*_test.go' ! -path '*/testdata/*' -print0 |
		xargs -0 cp --parents -t "$dst")
	chmod -R u+w "$dst"
	# a module without a go.mod (+incompatible, or older than modules):
	# a replacement directory needs one; the main module's go.mod lists
	# what it requires, and a missing go directive means go 1.16, as Go
	# assumes for such a module in the module cache
	[ -f "$dst/go.mod" ] || printf 'module %s\n' "$mod" >"$dst/go.mod"
	printf '\nreplace %s => %s\n' "$mod" "$dst" >>"$out/go.mod"
	echo "$dst"
}

# drop FILE NAME...: deletes from FILE each top-level function, type or
# method named (a method as TYPE.NAME), with its doc comment, up to its
# closing brace; each must be there exactly once
drop() {
	local f=$1 tmp
	shift
	tmp=$(mktemp)
	awk -v names="$*" -v tmp="$tmp" '
	BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
	function declname(l, s) {
		s = l
		if (s ~ /^func \(/) {
			sub(/^func \([A-Za-z0-9_]* ?\*?/, "", s); sub(/\) /, ".", s)
		} else if (s ~ /^(func|type) /) {
			sub(/^(func|type) /, "", s)
		} else return ""
		sub(/[^A-Za-z0-9_.].*$/, "", s)
		return s
	}
	skip { if ($0 ~ /^}$/) skip = 0; next }
	/^\/\// { buf = buf $0 "\n"; next }
	{
		d = declname($0)
		if (d in want) {
			seen[d]++; buf = ""
			if ($0 ~ /{$/) skip = 1
			next
		}
		printf "%s%s\n", buf, $0; buf = ""
	}
	END {
		printf "%s", buf
		for (d in want) if (seen[d] != 1) print d > tmp
	}' "$f" >"$f.new"
	mv "$f.new" "$f"
	if [ -s "$tmp" ]; then
		local missing
		missing=$(tr '\n' ' ' <"$tmp")
		rm -f "$tmp"
		fail "$f: not exactly one declaration of ${missing% }"
	fi
	rm -f "$tmp"
}

# sub FILE COUNT SED-EXPR: applies SED-EXPR to FILE, which must change
# exactly COUNT lines
sub() {
	local f=$1 want=$2 expr=$3 before
	before=$(cat "$f")
	sed -i -e "$expr" "$f"
	local n
	n=$(diff <(echo "$before") "$f" | grep -c '^<' || true)
	[ "$n" = "$want" ] || fail "$f: '$expr' changed $n lines, not $want"
}
