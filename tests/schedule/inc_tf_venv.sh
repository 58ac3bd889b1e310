#!/usr/bin/env bash
# INC 2.6's oracle venv plus TensorFlow, for recording INC's Keras pruner (tests/schedule, k_*.yaml):
# a copy of the oracle venv (argument 1: its python) with tensorflow-cpu==2.21.0 installed, so the
# oracle venv itself stays as it is. Prints the copy's python on stdout (the only line there).
#
#   python=$(bash tests/schedule/inc_tf_venv.sh "$HOME/.cache/prune-lsp-inc26/bin/python")
#
# tensorflow-cpu 2.21 pulls numpy 2.x while INC 2.6 declares numpy<2.0; pip says so, and INC 2.6's
# Keras pruning still imports and runs with it (recorded). Idempotent: a marker records a complete
# install; an interrupted one is redone from a fresh copy.
set -euo pipefail

SRC_PY="$1"
SRC="$(cd "$(dirname "$SRC_PY")/.." && pwd)"
DIR="${PRUNE_LSP_INC_TF_VENV:-$HOME/.cache/prune-lsp-inc26-tf}"
MARKER="$DIR/.prune-lsp-inc26-tf-complete"
log() { echo "inc_tf_venv: $*" >&2; }

if [[ -f "$MARKER" && -x "$DIR/bin/python" ]]; then
    echo "$DIR/bin/python"
    exit 0
fi
exec 9>"$DIR.lock"
command -v flock >/dev/null 2>&1 && flock 9
if [[ -f "$MARKER" && -x "$DIR/bin/python" ]]; then
    echo "$DIR/bin/python"
    exit 0
fi
if ! [[ -x "$DIR/bin/python" ]] || ! "$DIR/bin/python" -c "import neural_compressor" >/dev/null 2>&1; then
    log "copying $SRC to $DIR"
    rm -rf "$DIR"
    cp -a "$SRC" "$DIR"
fi
log "installing tensorflow-cpu==2.21.0"
"$DIR/bin/python" -m pip install --quiet "tensorflow-cpu==2.21.0" >&2 2> >(grep -v "numpy<2.0\|dependency resolver\|dependency conflicts" >&2 || true)
"$DIR/bin/python" -c "import tensorflow, neural_compressor.training" >&2
touch "$MARKER"
log "ready"
echo "$DIR/bin/python"
