#!/usr/bin/env bash
# Create (or reuse) the Intel Neural Compressor 2.6 venv that tests use as the oracle for INC's
# behaviour, and print its python's path on stdout (the only line on stdout).
#
#   DIR=${PRUNE_LSP_INC_VENV:-$HOME/.cache/prune-lsp-inc26}
#   python=$(scripts/inc_oracle_venv.sh)
#
# The installs run in three steps on purpose: torch 2.13 needs setuptools>=77, while INC 2.6
# imports pkg_resources, which setuptools>=70 no longer ships; installing everything at once
# fails to resolve. torch is pinned exactly (the machine's pip configuration supplies the CPU
# build; an unpinned torch would pull a multi-GB CUDA build).
# Idempotent: a marker file records a completed install; an interrupted one is redone.
set -euo pipefail

DIR="${PRUNE_LSP_INC_VENV:-$HOME/.cache/prune-lsp-inc26}"
MARKER="$DIR/.prune-lsp-inc26-complete"
PY="$DIR/bin/python"
PYTHON="${PYTHON:-python3}"

log() { echo "inc_oracle_venv: $*" >&2; }
# pip's known-harmless noise (missing local index folders; torch's setuptools>=77 resolver line, see above).
exec 2> >(awk -f "$(dirname "$0")/quiet_pip_filter.awk" >&2)

if [[ -f "$MARKER" && -x "$PY" ]]; then
    echo "$PY"
    exit 0
fi

# A venv built before this script existed (no marker) is reused when INC already imports.
if [[ -x "$PY" ]] && "$PY" -c "import neural_compressor, torch, pkg_resources; assert neural_compressor.__version__.startswith('2.6')" >/dev/null 2>&1; then
    touch "$MARKER"
    echo "$PY"
    exit 0
fi

mkdir -p "$(dirname "$DIR")"
# Serialise concurrent runs (two test sessions starting at once).
exec 9>"$DIR.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi
if [[ -f "$MARKER" && -x "$PY" ]]; then
    echo "$PY"
    exit 0
fi

log "creating $DIR"
[[ -x "$PY" ]] || "$PYTHON" -m venv "$DIR" >&2
log "installing torch==2.13.0"
"$PY" -m pip install --quiet "torch==2.13.0" >&2
log "installing neural-compressor==2.6"
"$PY" -m pip install --quiet "neural-compressor==2.6" packaging six >&2
log "installing setuptools<70 (INC 2.6 needs pkg_resources)"
"$PY" -m pip install --quiet "setuptools<70" >&2
"$PY" -c "import neural_compressor.compression.pruner.utils, torch, pkg_resources" >&2
touch "$MARKER"
log "ready"
echo "$PY"
