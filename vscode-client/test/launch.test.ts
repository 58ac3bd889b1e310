import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  checkImportable,
  DEFAULT_PYTHON,
  expandVariables,
  exportSchema,
  interpreterFromSetting,
  pythonEnvironment,
  resolveInterpreter,
  runCli,
  runPython,
  serverCommand,
} from '../src/launch';
import { envWithoutPythonPath, findPython, folderWithFakeServer, tempDir } from './helpers';

describe('launch: interpreter choice', () => {
  it('prefers the setting, given as a string (one path, never split on spaces)', () => {
    const i = resolveInterpreter({ setting: '/opt/my envs/bin/python', pythonExtensionPath: '/usr/bin/python3.11' });
    assert.deepStrictEqual(i, { command: ['/opt/my envs/bin/python'], source: 'setting' });
  });

  it('prefers the setting, given as an argument list', () => {
    const i = resolveInterpreter({ setting: ['conda', 'run', '-n', 'prune', 'python'], pythonExtensionPath: '/x/python' });
    assert.deepStrictEqual(i.command, ['conda', 'run', '-n', 'prune', 'python']);
    assert.strictEqual(i.source, 'setting');
  });

  it('falls back to the Python extension when the setting is empty, blank or of the wrong type', () => {
    for (const setting of [undefined, null, '', '   ', [], [''], [1, 2], { path: 'x' }, 42]) {
      const i = resolveInterpreter({ setting, pythonExtensionPath: '/envs/a/bin/python' });
      assert.deepStrictEqual(i, { command: ['/envs/a/bin/python'], source: 'python-extension' }, JSON.stringify(setting));
    }
  });

  it('falls back to python3 without the setting and without the Python extension', () => {
    assert.deepStrictEqual(resolveInterpreter({ setting: [] }), { command: [DEFAULT_PYTHON], source: 'default' });
    assert.deepStrictEqual(resolveInterpreter({ setting: undefined, pythonExtensionPath: '  ' }).source, 'default');
  });

  it('expands ${workspaceFolder}, ${userHome}, ${env:NAME} and ~', () => {
    const env = { VENV: '/venvs/p' };
    assert.strictEqual(expandVariables('${workspaceFolder}/.venv/bin/python', '/ws'), '/ws/.venv/bin/python');
    assert.strictEqual(expandVariables('${env:VENV}/bin/python', undefined, env), '/venvs/p/bin/python');
    assert.strictEqual(expandVariables('${userHome}/py', undefined), `${os.homedir()}/py`);
    assert.strictEqual(expandVariables('~/py', undefined), `${os.homedir()}/py`);
    // Without a folder the variable is left as is, so the error message shows what went wrong.
    assert.strictEqual(expandVariables('${workspaceFolder}/py', undefined), '${workspaceFolder}/py');
    assert.deepStrictEqual(interpreterFromSetting(['${workspaceFolder}/py', '-X', 'utf8'], '/w'), ['/w/py', '-X', 'utf8']);
  });

  it('launches `-m lsp_server` after the interpreter arguments', () => {
    assert.deepStrictEqual(serverCommand({ command: ['/p/python'], source: 'setting' }), {
      command: '/p/python',
      args: ['-m', 'lsp_server'],
    });
    assert.deepStrictEqual(serverCommand({ command: ['conda', 'run', '-n', 'e', 'python'], source: 'setting' }), {
      command: 'conda',
      args: ['run', '-n', 'e', 'python', '-m', 'lsp_server'],
    });
  });
});

describe('launch: running the interpreter', function () {
  const python = findPython();
  before(function () {
    if (!python) {
      this.skip(); // no Python at all on this machine
    }
  });

  it('finds lsp_server when it is importable, with the Python version', async () => {
    const env = pythonEnvironment({ ...process.env, PYTHONPATH: folderWithFakeServer() });
    const check = await checkImportable({ command: [python!, '-S'], source: 'setting' }, { env });
    assert.ok(check.ok, JSON.stringify(check));
    assert.match(check.python, /^3\.\d+\.\d+$/);
  });

  it('never imports lsp_server from the working directory (Python 3.11+)', async function () {
    const version = await runPython({ command: [python!], source: 'setting' }, ['-c', 'import sys; print(sys.version_info >= (3, 11))']);
    if (version.stdout.trim() !== 'True') {
      this.skip(); // PYTHONSAFEPATH needs 3.11; the extension also runs Python in its own folder
    }
    const check = await checkImportable(
      { command: [python!, '-S'], source: 'setting' },
      { cwd: folderWithFakeServer(), env: pythonEnvironment(envWithoutPythonPath()) },
    );
    assert.strictEqual(check.ok, false);
  });

  it('reports the ImportError when lsp_server is missing', async () => {
    const check = await checkImportable(
      { command: [python!, '-S'], source: 'setting' },
      { cwd: tempDir('empty'), env: pythonEnvironment(envWithoutPythonPath()) },
    );
    assert.strictEqual(check.ok, false);
    assert.match((check as { reason: string }).reason, /not importable.*ModuleNotFoundError: No module named 'lsp_server'/);
  });

  it('rejects an lsp_server that `python -m` cannot run (no __main__)', async () => {
    const folder = folderWithFakeServer();
    fs.unlinkSync(path.join(folder, 'lsp_server', '__main__.py'));
    const env = pythonEnvironment({ ...process.env, PYTHONPATH: folder });
    const check = await checkImportable({ command: [python!, '-S'], source: 'setting' }, { env });
    assert.strictEqual(check.ok, false);
    assert.match((check as { reason: string }).reason, /lsp_server has no __main__ module/);
  });

  it('reports an interpreter that does not exist', async () => {
    const check = await checkImportable({ command: ['/nonexistent/bin/python'], source: 'setting' });
    assert.strictEqual(check.ok, false);
    assert.match((check as { reason: string }).reason, /could not run \/nonexistent\/bin\/python: ENOENT/);
  });

  it('gives up on an interpreter that hangs', async () => {
    // The interpreter's own `-c` runs first; ours become its argv.
    const hanging = { command: [python!, '-c', 'import time; time.sleep(30)'], source: 'setting' as const };
    const started = Date.now();
    const check = await checkImportable(hanging, { timeoutMs: 500 });
    assert.strictEqual(check.ok, false);
    assert.match((check as { reason: string }).reason, /timed out/);
    assert.ok(Date.now() - started < 10000);
  });

  it('passes the CLI arguments through to `prune-lsp`', async () => {
    const echo = { command: [python!, '-c', 'import sys, json; print(json.dumps(sys.argv[1:]))'], source: 'setting' as const };
    const r = await runCli(echo, ['schema', '--dialect', 'v2']);
    const argv = JSON.parse(r.stdout) as string[];
    assert.deepStrictEqual(argv.slice(-3), ['schema', '--dialect', 'v2']);
    assert.match(argv[1], /from prune_lsp\.main import main/);
  });

  it('parses the exported schema, and reports the CLI message when it fails', async () => {
    const good = { command: [python!, '-c', 'print(\'{"type": "object", "title": "v2"}\')'], source: 'setting' as const };
    assert.deepStrictEqual(await exportSchema(good, 'v2'), { type: 'object', title: 'v2' });
    const failing = {
      command: [python!, '-c', 'import sys; sys.stderr.write("prune-lsp: unknown dialect\\n"); sys.exit(2)'],
      source: 'setting' as const,
    };
    await assert.rejects(exportSchema(failing, '1.x'), /--dialect 1\.x failed: prune-lsp: unknown dialect/);
    const notJson = { command: [python!, '-c', 'print("hello")'], source: 'setting' as const };
    await assert.rejects(exportSchema(notJson, 'v2'), /did not print JSON/);
    const notObject = { command: [python!, '-c', 'print("[1]")'], source: 'setting' as const };
    await assert.rejects(exportSchema(notObject, 'v2'), /not a schema object/);
  });
});
