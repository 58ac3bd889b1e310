// The install offer's pip run, with a REAL pip in a fresh venv (VS Code's side is the fake; what a
// real VS Code shows is tested in tests/vscode): a failing install returns false and shows pip's
// own ERROR line; the spec comes from PRUNE_LSP_INSTALL_SPEC or is PyPI's prune-lsp.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { installServer, installSpec, pipError } from '../src/install';
import { findPython, tempDir } from './helpers';
import { stub, window } from './stubs/vscode';

describe('install offer (real pip in a fresh venv)', function () {
  this.timeout(180000);
  let venvPython: string;
  before(function () {
    const python = findPython();
    if (!python) {
      this.skip();
    }
    const dir = tempDir('venv');
    execFileSync(python!, ['-m', 'venv', path.join(dir, 'venv')], { timeout: 120000 });
    venvPython = path.join(dir, 'venv', 'bin', 'python');
  });
  beforeEach(() => stub.reset());

  it('installs PyPI prune-lsp unless PRUNE_LSP_INSTALL_SPEC names something else', () => {
    assert.strictEqual(installSpec({}), 'prune-lsp');
    assert.strictEqual(installSpec({ PRUNE_LSP_INSTALL_SPEC: ' /src/prune-lsp ' }), '/src/prune-lsp');
  });

  it("reports pip's own error when the install fails, with its progress and output", async () => {
    const missing = path.join(tempDir('nothing'), 'no-such-project');
    const output = window.createOutputChannel('Prune LSP', { log: true }) as never;
    const ok = await installServer({ command: [venvPython], source: 'setting' }, missing, tempDir('cwd'), output);
    assert.strictEqual(ok, false);
    assert.strictEqual(stub.progress.length, 1);
    assert.match(String(stub.progress[0].title), /installing .*no-such-project/);
    const err = stub.messages.find((m) => m.level === 'error');
    assert.ok(err, JSON.stringify(stub.messages));
    assert.match(err.message, /pip could not install .*no-such-project: ERROR: /);
    assert.ok(stub.outputLines.some((l) => /pip: ERROR:/.test(l)), stub.outputLines.join('\n'));
  });

  it('picks the ERROR line out of pip output', () => {
    assert.strictEqual(pipError('Collecting x\nERROR: No matching distribution found for x\n'), 'ERROR: No matching distribution found for x');
    assert.strictEqual(pipError('error: externally-managed-environment\n\n× This environment is externally managed'), 'error: externally-managed-environment');
    assert.strictEqual(pipError(''), 'pip failed');
  });
});
