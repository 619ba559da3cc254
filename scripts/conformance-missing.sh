#!/usr/bin/env bash
# Run by `make test` before the tests. The conformance corpus (reference
# histories with Maelstrom's verdicts) lives beside the repository, as
# ../shared/conformance, never inside it. When it is absent, say so once and
# list the tests that will skip (under CI=true: fail), since `go test` hides
# skip messages. Prints nothing when the corpus is there.
#
# A test that reads the corpus has "Conformance" in its name
# (internal/conformance.Dir enforces it), which is how they are found here.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/conformance
[ -d "$corpus" ] && exit 0

tests=$(grep -rEo --include='*_test.go' --exclude-dir=.git --exclude-dir=bin --exclude-dir=store \
    '^func Test[[:alnum:]_]*Conformance[[:alnum:]_]*' . |
  sed -E 's#^\./(.*)/[^/]+_test\.go:func #\1 #' | sort)
count=$(printf '%s\n' "$tests" | grep -c .)

if [ "${CI:-}" = "true" ]; then
  fate="FAIL (CI=true: CI must not pass without the corpus)"
else
  fate="be SKIPPED"
fi
line=$(printf '%.0s=' {1..72})
echo "$line"
echo "Conformance corpus not found at $corpus (looked in $(cd .. && pwd)/shared)."
echo "These $count tests compare our checkers with the reference verdicts; they will $fate:"
printf '%s\n' "$tests" | awk '{ printf "    %-32s %s\n", $1, $2 }'
echo "To run them, put the corpus beside this repository as ../shared/conformance."
echo "$line"
