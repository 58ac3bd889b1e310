// The REAL `prune-lsp sparsity --format json` output for the example config and model (run here,
// through the extension's own runCli), for the tests of the view and of the contract.
// PRUNE_LSP_PYTHON names a Python with prune-lsp installed (scripts/test sets it).
import { execFileSync } from 'child_process';
import * as path from 'path';
import { resolveInterpreter, runCli } from '../src/launch';
import { SparsityReport } from '../src/generated/contract';
import { tempDir } from './helpers';

export const PYTHON = process.env.PRUNE_LSP_PYTHON;
const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');
let cached: Promise<SparsityReport> | undefined;

export function realSparsityReport(): Promise<SparsityReport> {
  if (!PYTHON) {
    throw new Error('PRUNE_LSP_PYTHON is not set');
  }
  cached ??= (async () => {
    const dir = tempDir('model');
    const model = path.join(dir, 'tiny_bert.safetensors');
    execFileSync(PYTHON, [path.join(EXAMPLES, 'make_tiny_model.py'), model], { timeout: 60000 });
    const r = await runCli(
      resolveInterpreter({ setting: PYTHON }),
      ['sparsity', model, '--config', path.join(EXAMPLES, 'prune_tiny_bert.yaml'), '--format', 'json', '--device', 'cpu'],
      { cwd: dir, timeoutMs: 120000 },
    );
    if (r.code !== 0) {
      throw new Error(`prune-lsp sparsity failed (${r.code}): ${r.error ?? r.stderr}`);
    }
    return JSON.parse(r.stdout) as SparsityReport;
  })();
  return cached;
}

/** mocha: skip the suite (saying how to enable it) without PRUNE_LSP_PYTHON. */
export function needsRealCli(ctx: Mocha.Context): void {
  if (!PYTHON) {
    // eslint-disable-next-line no-console
    console.log('      (skipped: set PRUNE_LSP_PYTHON to a Python with prune-lsp installed, e.g. /work/main/.venv/bin/python)');
    ctx.skip();
  }
}
