#!/usr/bin/env bash
# Install Debian packages quietly for the tests, waiting for the apt/dpkg lock that another apt process
# (unattended upgrades, a parallel set-up) may hold, instead of giving up.
#   scripts/apt_install.sh PKG...      exit 0: all installed (now or before); 1: could not (reason on stderr)
# Packages already installed cost nothing (no apt-get update). apt's output goes to a log file named in
# the error message; nothing is printed on success.
set -uo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt_install: no apt-get on this machine; install ${missing[*]} yourself" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "apt_install: not root and no password-less sudo; install ${missing[*]} yourself" >&2
    exit 1
  fi
fi
LOG=$(mktemp "${TMPDIR:-/tmp}/prune-lsp-apt.XXXXXX.log")
WAIT=${PRUNE_LSP_APT_LOCK_TIMEOUT:-900}  # seconds to wait for another apt/dpkg to finish
opts=(-o "DPkg::Lock::Timeout=$WAIT" -o Acquire::Retries=3 -qq)
# `apt-get update` takes the lists lock, which DPkg::Lock::Timeout does not cover on every apt: retry it.
ok=0
for _ in $(seq 1 $((WAIT / 10 + 1))); do
  if $SUDO apt-get "${opts[@]}" update >>"$LOG" 2>&1; then ok=1; break; fi
  grep -q "Could not get lock\|is held by process\|Unable to lock" "$LOG" || break
  sleep 10
done
if [ $ok = 1 ] && DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${opts[@]}" install -y --no-install-recommends \
     "${missing[@]}" >>"$LOG" 2>&1; then
  rm -f "$LOG"
  exit 0
fi
echo "apt_install: could not install ${missing[*]} (apt's output: $LOG)" >&2
exit 1
