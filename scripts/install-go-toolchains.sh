#!/usr/bin/env bash
# Installs Go toolchains side by side from Debian's archive, without touching the system's
# apt configuration, for the fidelity suite and the compiler-output recordings.
# Usage: scripts/install-go-toolchains.sh [VERSION ...]   (default: 1.21 … 1.27)
# Destination: $GHL_GO_TOOLCHAINS or .cache/go (each version in go-1.NN; run go-1.NN/bin/go).
# Idempotent: versions already present are skipped. Suites: bookworm-backports has 1.21–1.23,
# trixie 1.24, trixie-backports 1.25, sid 1.26–1.27.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${GHL_GO_TOOLCHAINS:-$PWD/.cache/go}
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(1.21 1.22 1.23 1.24 1.25 1.26 1.27)
mkdir -p "$DEST"; DEST=$(cd "$DEST" && pwd)
STATE="$DEST/.apt"
mkdir -p "$STATE/lists/partial" "$STATE/cache/archives/partial" "$STATE/debs"
cat > "$STATE/sources.list" <<'SRC'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
SRC
APT=(-o Dir::Etc::SourceList="$STATE/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$STATE/lists" -o Dir::Cache="$STATE/cache"
     -o Dir::State::status=/var/lib/dpkg/status -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1)
need=()
for v in "${versions[@]}"; do [ -x "$DEST/go-$v/bin/go" ] || need+=("$v"); done
[ ${#need[@]} -eq 0 ] && { echo "go toolchains present in $DEST: ${versions[*]}"; exit 0; }
[ -n "$(ls -A "$STATE/lists" 2>/dev/null | grep -v partial)" ] || apt-get "${APT[@]}" update -qq
for v in "${need[@]}"; do
  rm -f "$STATE"/debs/golang-"$v"-*.deb
  (cd "$STATE/debs" && apt-get "${APT[@]}" -o APT::Sandbox::User=root download -qq "golang-$v-go" "golang-$v-src")
  tmp=$(mktemp -d "$DEST/.x-XXXX")
  for d in "$STATE"/debs/golang-"$v"-go_*.deb "$STATE"/debs/golang-"$v"-src_*.deb; do dpkg-deb -x "$d" "$tmp"; done
  # Debian splits GOROOT into /usr/lib/go-V (bin, pkg, symlinks) and /usr/share/go-V (src, test, ...).
  rm -rf "$DEST/go-$v"; mkdir -p "$DEST/go-$v"
  cp -a "$tmp/usr/lib/go-$v/." "$DEST/go-$v/"
  find "$DEST/go-$v" -type l -lname "*share/go-*" -delete
  cp -a "$tmp/usr/share/go-$v/." "$DEST/go-$v/"
  rm -rf "$tmp"
  GOTOOLCHAIN=local "$DEST/go-$v/bin/go" version
done
