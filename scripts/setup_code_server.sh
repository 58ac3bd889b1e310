#!/usr/bin/env bash
# Install (or reuse) code-server 4.100.3 (= VS Code 1.100.3) and Debian's Chromium for the
# real-VS-Code end-to-end test (tests/vscode/), and print code-server's path on stdout (the only
# line on stdout). Everything else goes to stderr.
#
#   DIR=${PRUNE_LSP_CODE_SERVER_DIR:-$HOME/.cache/prune-lsp-code-server}
#   code_server=$(scripts/setup_code_server.sh)
#
# Why it is done by hand (../shared/reference/real-vscode.md): a plain `npm install code-server`
# runs postinstall scripts that download ripgrep and node headers from hosts these machines cannot
# reach, and the whole install rolls back. So: install with --ignore-scripts, point node-gyp at the
# system node headers (npm_config_nodedir=/usr), give @vscode/ripgrep Debian's `rg`, rebuild the
# native modules, then do the rest of code-server's postinstall.sh ourselves.
# 4.100.3 is the newest release whose `engines` accept node 20.
# Idempotent: a marker file records a completed install; an interrupted one is redone.
set -euo pipefail

VERSION=4.100.3
SCRIPTS=$(cd "$(dirname "$0")" && pwd)
DIR="${PRUNE_LSP_CODE_SERVER_DIR:-$HOME/.cache/prune-lsp-code-server}"
MARKER="$DIR/.complete-$VERSION"
BIN="$DIR/node_modules/.bin/code-server"

log() { echo "setup_code_server: $*" >&2; }

need_debs() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
    command -v g++ >/dev/null 2>&1 && command -v make >/dev/null 2>&1 || missing+=(build-essential)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    [[ -e /usr/include/krb5.h || -e /usr/include/gssapi/gssapi.h ]] || missing+=(libkrb5-dev)
    echo "${missing[@]:-}"
}

install_debs() {
    local missing
    missing=$(need_debs)
    [[ -z "$missing" ]] && return 0
    log "apt: $missing"
    # scripts/apt_install.sh waits for the dpkg lock another apt (a parallel set-up) may hold.
    # shellcheck disable=SC2086
    bash "$SCRIPTS/apt_install.sh" $missing
}

if [[ -f "$MARKER" && -x "$BIN" ]] && [[ -z "$(need_debs)" ]]; then
    echo "$BIN"
    exit 0
fi

install_debs || true
missing=$(need_debs)
if [[ -n "$missing" ]]; then
    log "missing after apt: $missing"
    exit 1
fi

mkdir -p "$DIR"
# Serialise concurrent runs (two test sessions starting at once).
exec 9>"$DIR.lock"
command -v flock >/dev/null 2>&1 && flock 9
if [[ -f "$MARKER" && -x "$BIN" ]]; then
    echo "$BIN"
    exit 0
fi

export npm_config_nodedir=/usr   # node-gyp: use the installed node headers, do not download them
export npm_config_yes=true       # node-pty's install runs `npx node-gyp`
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
npm_quiet=(--loglevel=error --no-progress)

log "installing code-server@$VERSION into $DIR (about a minute)"
rm -f "$DIR"/.complete-*
cd "$DIR"
[[ -f package.json ]] || echo '{"name":"prune-lsp-code-server","private":true}' >package.json
npm install "${npm_quiet[@]}" --ignore-scripts "code-server@$VERSION" >&2
npm rebuild "${npm_quiet[@]}" argon2 >&2

CS="$DIR/node_modules/code-server"
cd "$CS/lib/vscode"
npm install "${npm_quiet[@]}" --omit=dev --ignore-scripts >&2
# @vscode/ripgrep's postinstall skips its download when bin/ exists: give it Debian's rg.
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sfn "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild "${npm_quiet[@]}" >&2   # kerberos, node-pty, spdlog, ... built against /usr's headers

# The rest of code-server's own postinstall.sh.
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install "${npm_quiet[@]}" --omit=dev >&2)

# --version writes a default config (with a password) under XDG_CONFIG_HOME: keep it in a throwaway folder.
scratch=$(mktemp -d)
version=$(XDG_CONFIG_HOME="$scratch" XDG_DATA_HOME="$scratch" "$BIN" --version 2>/dev/null | grep -E "^[0-9]+\.[0-9]+\.[0-9]+ " | head -n 1 || true)
rm -rf "$scratch"
case "$version" in
    "$VERSION"*) ;;
    *) log "code-server --version printed '$version', expected $VERSION"; exit 1 ;;
esac
touch "$MARKER"
log "ready: $version"
echo "$BIN"
