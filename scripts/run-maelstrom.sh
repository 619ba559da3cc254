#!/usr/bin/env bash
# Runs challenges with the real Maelstrom when it is available, at exactly
# the official flags of ../shared/spec/challenges.md, with the binaries
# built from this repository; otherwise with `glomers run`.
#
#   scripts/run-maelstrom.sh ID|all
#
# Maelstrom is $MAELSTROM if set, else `maelstrom` on PATH.
# $GLOMERS_BIN_DIR names a folder of already built binaries (default: build
# into bin/ with make).
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 ID|all   (IDs: 1 2 3a 3b 3c 3d 3e 4 5a 5b 5c 6a 6b 6c)" >&2
  exit 254
fi
root=$(cd "$(dirname "$0")/.." && pwd)
bindir=${GLOMERS_BIN_DIR:-}
if [ -z "$bindir" ]; then
  make -s -C "$root" build || exit 255
  bindir=$root/bin
fi
glomers=$bindir/glomers

maelstrom=${MAELSTROM:-$(command -v maelstrom || true)}
if [ -z "$maelstrom" ]; then
  echo "Maelstrom not found (set MAELSTROM or put maelstrom on PATH): using glomers run $1" >&2
  exec "$glomers" run --bin-dir "$bindir" "$1"
fi

# `glomers presets` prints one line per challenge: ID BINARY FLAGS...
lines=$("$glomers" presets "$1") || exit 254
status=0
while read -r id binary flags; do
  echo "=== challenge $id: $maelstrom test $flags --bin $bindir/$binary" >&2
  # Word splitting of $flags is intended: the official flags have no spaces
  # inside values.
  # shellcheck disable=SC2086
  "$maelstrom" test $flags --bin "$bindir/$binary"
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "challenge $id: maelstrom exited $rc" >&2
    [ $status -eq 0 ] && status=$rc
  fi
done <<< "$lines"
exit $status
