# Sourced by the hack/ scripts that patch a dependency for the Makefile's
# bin/skiff build (hack/lazy-regexps.sh, hack/lean-ocicrypt.sh): each
# copies a module's sources into $out (the build's -modfile directory,
# whose go.mod hack/lazy-jsonschema.sh writes first), adds its replace
# directive there, and rewrites a few lines of the copy, checking that
# each rewrite changed exactly the lines it expects. The caller sets $out,
# $GO and $script (its name, for messages).

fail() {
	echo "$script: $*: update the script" >&2
	exit 1
}

# copy MODULE NAME: the module's sources without tests under $out/NAME;
# prints the copy's directory
copy() {
	local mod=$1 dir
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
	printf '\nreplace %s => %s\n' "$mod" "$dst" >>"$out/go.mod"
	echo "$dst"
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
