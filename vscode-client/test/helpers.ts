// Shared test helpers: a real Python interpreter, and folders with a fake `lsp_server` package.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

let cached: string | null | undefined;

/**
 * A Python that runs, as an absolute path: PRUNE_LSP_PYTHON when set, else python3 on PATH;
 * null when there is none.
 */
export function findPython(): string | null {
  if (cached !== undefined) {
    return cached;
  }
  for (const candidate of [process.env.PRUNE_LSP_PYTHON, 'python3'].filter((c): c is string => !!c)) {
    try {
      const out = execFileSync(candidate, ['-c', 'import sys; print(sys.executable)'], { timeout: 20000 });
      // Not sys.executable itself: a venv's python is a symlink, and resolving it leaves the venv.
      cached = path.isAbsolute(candidate) ? candidate : String(out).trim();
      return cached;
    } catch {
      // try the next one
    }
  }
  cached = null;
  return cached;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `prune-lsp-vscode-${prefix}-`));
}

/**
 * A folder holding a do-nothing `lsp_server` package. With `python -S` and this folder on
 * PYTHONPATH, `import lsp_server` finds it (and nothing from site-packages), whatever is
 * installed in that Python; without it on PYTHONPATH, `python -S` cannot import lsp_server.
 */
export function folderWithFakeServer(): string {
  const dir = tempDir('ws');
  fs.mkdirSync(path.join(dir, 'lsp_server'));
  fs.writeFileSync(path.join(dir, 'lsp_server', '__init__.py'), '');
  fs.writeFileSync(path.join(dir, 'lsp_server', '__main__.py'), '');
  return dir;
}

/** Adds a fake `prune-lsp` CLI (`prune_lsp.main:main`) whose `schema` prints a tiny schema. */
export function addFakeSchemaCli(folder: string): void {
  fs.mkdirSync(path.join(folder, 'prune_lsp'), { recursive: true });
  fs.writeFileSync(path.join(folder, 'prune_lsp', '__init__.py'), '');
  fs.writeFileSync(
    path.join(folder, 'prune_lsp', 'main.py'),
    [
      'import json, sys',
      'def main():',
      '    args = sys.argv[1:]',
      '    assert args[:2] == ["schema", "--dialect"], args',
      '    print(json.dumps({"title": "INC pruning " + args[2], "type": "object"}))',
      '    return 0',
      '',
    ].join('\n'),
  );
}

/** This process's environment without PYTHONPATH, so that nothing inherited makes lsp_server importable. */
export function envWithoutPythonPath(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.PYTHONPATH;
  return env;
}
