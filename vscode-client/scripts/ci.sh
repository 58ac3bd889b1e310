#!/usr/bin/env bash
# CI for the VS Code extension: install exactly the locked dependencies, build, lint, test, package.
# PRUNE_LSP_PYTHON (a Python with prune-lsp installed) turns on the end-to-end server test.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --ignore-scripts  # no install script is needed (vsce-sign's is for signing only)
npm run compile
npm run lint
npm test
npm run package
ls -l ./*.vsix
