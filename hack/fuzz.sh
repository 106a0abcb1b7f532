#!/bin/bash
# make fuzz: every native Go fuzz target of skiff's parsers (func FuzzX in
# a _test.go file), one after the other, each for FUZZTIME (default 10s).
# Crashers land in the package's testdata/fuzz/FuzzX/ and from then on run
# as regression tests in `make unit`. FUZZ=regexp picks targets.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
FUZZ=${FUZZ:-.}
failed=()
n=0
while IFS=: read -r file name; do
	pkg=./$(dirname "$file")
	[[ $name =~ $FUZZ ]] || continue
	n=$((n + 1))
	echo "fuzz: $pkg $name ($FUZZTIME)"
	if ! $GO test -tags "$TAGS" -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" > /tmp/skiff-fuzz.$$ 2>&1; then
		tail -20 /tmp/skiff-fuzz.$$
		failed+=("$pkg $name")
	else
		tail -1 /tmp/skiff-fuzz.$$
	fi
done < <(grep -rHoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' --exclude-dir=test . | sed 's|^\./||; s|:func |:|' | sort)
rm -f /tmp/skiff-fuzz.$$
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: ${#failed[@]} of $n targets failed: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: $n targets, $FUZZTIME each: no failure"
