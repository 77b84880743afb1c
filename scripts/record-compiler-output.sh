#!/usr/bin/env bash
# Records the Go compiler's escape-analysis/inlining output for the fixture modules
# with every installed toolchain, into test/fixtures/recorded/go1.NN/. The recordings
# are test inputs for the parsers (src/core/escape/); they are never edited by hand.
#
# Usage: scripts/record-compiler-output.sh [go1.NN ...]   (default: every toolchain found)
# Toolchains: .cache/go/go-1.NN/bin/go (scripts/install-go-toolchains.sh) and the machine's
# `go` (used only for a go1.NN that has no .cache toolchain).
#
# Per toolchain, with GOTOOLCHAIN=local and a fresh GOCACHE (so nothing is a cache replay):
#   <module>-m2.txt          stderr of `go build -gcflags=-m=2 ./...`   (cwd = the module root)
#   <module>-m1.txt          stderr of `go build -gcflags=-m ./...`
#   constructs-m3.txt        stderr of `go build -gcflags=-m=3 ./...` (traces and IR dumps)
#   constructs-test-m2.txt   stderr of `go test -c -gcflags=-m=2 ./alloc` (test variants, _testmain)
#   <module>-m2.build.jsonl  stdout of `go build -json -gcflags=-m=2 ./...` (go1.24+ only)
#   logopt-constructs/       the `-gcflags=-json=0,DIR` log of the constructs module
#   *.meta.json              sidecar per recording: exact `go version`, GOOS/GOARCH, argv, exit code
# Modules whose go.mod needs a newer Go than the toolchain are skipped (and say so).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FIX=$ROOT/test/fixtures
OUT=$FIX/recorded
MODULES=(constructs service rangefunc)

declare -A gobin=()
for d in "$ROOT"/.cache/go/go-1.*; do
  [ -x "$d/bin/go" ] || continue
  gobin["go${d##*/go-}"]="$d/bin/go"
done
if command -v go >/dev/null; then
  mv=$(GOTOOLCHAIN=local go env GOVERSION | sed -E 's/^(go1\.[0-9]+).*/\1/')
  [ -n "${gobin[$mv]:-}" ] || gobin[$mv]=$(command -v go)
fi
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=($(printf '%s\n' "${!gobin[@]}" | sort -V))
[ ${#wanted[@]} -gt 0 ] || { echo "record: no Go toolchain found (run scripts/install-go-toolchains.sh)" >&2; exit 1; }

# minor "1.23" of a go.mod's go line / a toolchain name
gomod_minor() { sed -nE 's/^go (1\.[0-9]+).*/\1/p' "$1/go.mod"; }
newer() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -1)" = "$1" ] && [ "$1" != "$2" ]; }

# meta FILE EXIT ARGV...: sidecar naming exactly what produced FILE.
meta() {
  local file=$1 rc=$2; shift 2
  node -e '
    const [file, rc, version, goos, goarch, cwd, ...argv] = process.argv.slice(1);
    const meta = { goVersion: version, goos, goarch, cwd, argv, exitCode: Number(rc),
      env: { GOTOOLCHAIN: "local", GOCACHE: "fresh temporary directory", GOFLAGS: "-buildvcs=false", GOWORK: "off" },
      producedBy: "scripts/record-compiler-output.sh" };
    require("fs").writeFileSync(file.replace(/(\.txt|\.jsonl|\/)$/, "") + ".meta.json", JSON.stringify(meta, null, 2) + "\n");
  ' "$file" "$rc" "$VERSION" "$GOOS_" "$GOARCH_" "$CWD_" "$@"
}

for tc in "${wanted[@]}"; do
  GO=${gobin[$tc]:-}
  [ -n "$GO" ] || { echo "record: no toolchain for $tc" >&2; exit 1; }
  dest=$OUT/$tc
  rm -rf "$dest"; mkdir -p "$dest"
  cache=$(mktemp -d "${TMPDIR:-/tmp}/ghl-gocache-XXXXXX")
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ghl-record-XXXXXX")
  export GOTOOLCHAIN=local GOCACHE=$cache GOFLAGS=-buildvcs=false GOWORK=off GOPROXY=off
  VERSION=$("$GO" version); GOOS_=$("$GO" env GOOS); GOARCH_=$("$GO" env GOARCH)
  minor=${tc#go}
  echo "== $VERSION → ${dest#$ROOT/}"
  for mod in "${MODULES[@]}"; do
    need=$(gomod_minor "$FIX/$mod")
    if newer "$need" "$minor"; then
      echo "   skip $mod: go.mod says go $need, toolchain is $minor"
      continue
    fi
    CWD_=test/fixtures/$mod
    for level in 2 1; do
      rc=0; (cd "$FIX/$mod" && "$GO" build -gcflags=-m=$level ./... 2> "$dest/$mod-m$level.txt") || rc=$?
      meta "$dest/$mod-m$level.txt" $rc go build -gcflags=-m=$level ./...
      echo "   $mod -m=$level: $(wc -l < "$dest/$mod-m$level.txt") lines, exit $rc"
    done
    if [ "$mod" = constructs ]; then
      # -m=3 adds statement traces, label notes and IR dumps without positions.
      rc=0; (cd "$FIX/$mod" && "$GO" build -gcflags=-m=3 ./... 2> "$dest/$mod-m3.txt") || rc=$?
      meta "$dest/$mod-m3.txt" $rc go build -gcflags=-m=3 ./...
      echo "   $mod -m=3: $(wc -l < "$dest/$mod-m3.txt") lines, exit $rc"
      rc=0; (cd "$FIX/$mod" && "$GO" test -c -o "$tmp/alloc.test" -gcflags=-m=2 ./alloc 2> "$dest/$mod-test-m2.txt") || rc=$?
      meta "$dest/$mod-test-m2.txt" $rc go test -c -o TMP/alloc.test -gcflags=-m=2 ./alloc
      echo "   $mod test -m=2: $(wc -l < "$dest/$mod-test-m2.txt") lines, exit $rc"
    fi
    if ! newer 1.24 "$minor"; then
      # go build -json (go1.24+). -a: the -m=2 packages are already cached above, and a replay
      # would also do; forcing the compile keeps this recording independent of the one before.
      rc=0; (cd "$FIX/$mod" && "$GO" build -a -json -gcflags=-m=2 ./... > "$dest/$mod-m2.build.jsonl" 2> "$tmp/json.stderr") || rc=$?
      [ -s "$tmp/json.stderr" ] && { echo "   unexpected stderr from go build -json:" >&2; cat "$tmp/json.stderr" >&2; }
      meta "$dest/$mod-m2.build.jsonl" $rc go build -a -json -gcflags=-m=2 ./...
      echo "   $mod build -json: $(wc -l < "$dest/$mod-m2.build.jsonl") events, exit $rc"
    fi
  done
  # The JSON optimisation log, written by the compiler itself into a fresh directory.
  logdir=$tmp/logopt
  rc=0; (cd "$FIX/constructs" && "$GO" build -gcflags="-json=0,file://$logdir" ./... 2> "$tmp/logopt.stderr") || rc=$?
  mkdir -p "$dest/logopt-constructs"
  if [ -d "$logdir" ]; then cp -r "$logdir/." "$dest/logopt-constructs/"; fi
  CWD_=test/fixtures/constructs meta "$dest/logopt-constructs/" $rc go build "-gcflags=-json=0,file://TMP/logopt" ./...
  echo "   constructs logopt: $(find "$dest/logopt-constructs" -name '*.json' | wc -l) files, exit $rc"
  chmod -R u+w "$cache"; rm -rf "$cache" "$tmp"
done
