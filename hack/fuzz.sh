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
# inputs counts the failing inputs saved for target $2 of package $1
inputs() { find "$1/testdata/fuzz/$2" -type f 2>/dev/null | wc -l || true; }
n=0
while IFS=: read -r file name; do
	pkg=./$(dirname "$file")
	[[ $name =~ $FUZZ ]] || continue
	n=$((n + 1))
	echo "fuzz: $pkg $name ($FUZZTIME)"
	corpus=$(inputs "$pkg" "$name")
	for try in 1 2; do
		if $GO test -tags "$TAGS" -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" > /tmp/skiff-fuzz.$$ 2>&1; then
			tail -1 /tmp/skiff-fuzz.$$
			break
		fi
		# Go before 1.27 can end a -fuzztime run with a bare "context
		# deadline exceeded" and no failing input (go.dev/issue/75804, a
		# race in its fuzzing coordinator at the deadline): that, and
		# only that, is tried once more
		if [ $try = 1 ] && [ "$(inputs "$pkg" "$name")" = "$corpus" ] &&
			grep -q '^    context deadline exceeded$' /tmp/skiff-fuzz.$$ && ! grep -q 'Failing input written' /tmp/skiff-fuzz.$$; then
			echo "fuzz: $name: context deadline exceeded without a failing input (go.dev/issue/75804): once more"
			continue
		fi
		tail -20 /tmp/skiff-fuzz.$$
		failed+=("$pkg $name")
		break
	done
done < <(grep -rHoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' --exclude-dir=test . | sed 's|^\./||; s|:func |:|' | sort)
rm -f /tmp/skiff-fuzz.$$
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: ${#failed[@]} of $n targets failed: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: $n targets, $FUZZTIME each: no failure"
