#!/usr/bin/env bash
# Builds the real Elle 0.2.2 from source as an oracle for glomers'
# differential test (TestElleOracle), outside CI. Needs Debian's clojure,
# a JDK and the Debian Clojure libraries listed in README.md. Sources come
# from GitHub at the versions Maelstrom 0.2.4 pins (spec §0.2), cloned into
# $ORACLE_DIR/src, or read from bare mirrors under $MIRROR
# (<owner>+<name>/repo) when that is set.
#
#   scripts/elle-oracle/build.sh            # builds into /tmp/elle-oracle
#   GLOMERS_ELLE_ORACLE=/tmp/elle-oracle/run.sh go test -run ElleOracle ./internal/checker/elle/
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${ORACLE_DIR:-/tmp/elle-oracle}
mkdir -p "$out/src" "$out/classes"

# repo, revision, paths to extract
sources=(
  "jepsen-io/elle v0.2.2 src"
  "jepsen-io/history v0.1.4 src"
  "aphyr/dom-top 7c98aa1 src"
  "aphyr/tesser v1.0.6 core/src"
  "aphyr/interval-metrics HEAD src"
  "aphyr/bifurcan-clj v0.1.2 src"
  "lacuna/bifurcan 0.2.0-alpha7 src"
)
for s in "${sources[@]}"; do
  read -r repo rev path <<<"$s"
  dest="$out/src/${repo/\//+}"
  [ -d "$dest" ] && continue
  if [ -n "${MIRROR:-}" ]; then
    git_dir="$MIRROR/${repo/\//+}/repo"
  else
    git_dir="$out/git/${repo/\//+}"
    [ -d "$git_dir" ] || git clone --bare --quiet "https://github.com/$repo" "$git_dir"
  fi
  mkdir -p "$dest"
  git -C "$git_dir" archive "$rev" "$path" | tar -x -C "$dest"
done

src=$out/src
j=/usr/share/java
cp="$out/classes:$here/stubs:$src/jepsen-io+elle/src:$src/jepsen-io+history/src:$src/aphyr+dom-top/src"
cp="$cp:$src/aphyr+tesser/core/src:$src/aphyr+bifurcan-clj/src:$src/aphyr+interval-metrics/src:$here"
for jar in clojure spec.alpha core.specs.alpha tools.logging slingshot potemkin riddley hiccup; do
  cp="$cp:$j/$jar.jar"
done

javac -nowarn -d "$out/classes" -cp "$j/clojure.jar" \
  $(find "$src/lacuna+bifurcan/src" -name '*.java') \
  "$src/aphyr+interval-metrics/src/interval_metrics/ThreadLocalRandom.java" \
  "$src/jepsen-io+elle/src/elle/"*.java 2>&1 | grep -v '^Note:' || true
java -cp "$cp" clojure.main -e "(binding [*compile-path* \"$out/classes\"] (compile 'oracle))"

cat >"$out/run.sh" <<RUN
#!/bin/sh
# Runs Elle 0.2.2 on EDN case files; prints one summary per case.
exec java -cp "$cp" clojure.main -m oracle "\$@"
RUN
chmod +x "$out/run.sh"
echo "built: GLOMERS_ELLE_ORACLE=$out/run.sh"
