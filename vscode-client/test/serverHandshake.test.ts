// End to end: the extension's own launch code (src/launch.ts, the same functions the extension
// calls) starts the REAL prune-lsp server, and a JSON-RPC client talks LSP to it over stdio.
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { checkImportable, pythonEnvironment, resolveInterpreter, serverCommand } from '../src/launch';
import { toServerSettings } from '../src/serverSettings';
import { tempDir } from './helpers';

const PYTHON = process.env.PRUNE_LSP_PYTHON;

function withTimeout<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
  ]);
}

describe('real server over stdio (PRUNE_LSP_PYTHON)', function () {
  this.timeout(60000);
  let proc: ChildProcess | undefined;
  let conn: MessageConnection | undefined;
  let stderr = '';
  const diagnostics = new Map<string, unknown[]>();
  const workDir = tempDir('server');
  let initializeResult: { capabilities?: Record<string, unknown>; serverInfo?: { name?: string } } | undefined;
  let died: Promise<never>;

  before(async function () {
    if (!PYTHON) {
      // eslint-disable-next-line no-console
      console.log('      (skipped: set PRUNE_LSP_PYTHON to a Python with prune-lsp installed, e.g. /work/main/.venv/bin/python)');
      this.skip();
    }
    const interpreter = resolveInterpreter({ setting: PYTHON });
    const check = await checkImportable(interpreter, { cwd: workDir, timeoutMs: 60000 });
    assert.ok(check.ok, `the extension's import check failed: ${JSON.stringify(check)}`);
    const { command, args } = serverCommand(interpreter);
    proc = spawn(command, args, { cwd: workDir, env: pythonEnvironment(), stdio: ['pipe', 'pipe', 'pipe'] });
    proc.stderr!.on('data', (d) => (stderr += String(d)));
    // A server that dies fails the waiting test at once, with its stderr, not after a timeout.
    died = new Promise<never>((_, reject) =>
      proc!.once('exit', (code) => reject(new Error(`the server exited (status ${code}):\n${stderr}`))),
    );
    died.catch(() => undefined);
    conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    // What VS Code's client answers for these server-to-client requests.
    conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map((i) => (i.section === 'pruneLsp' ? toServerSettings({ debounceMs: 0 }) : null)),
    );
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: unknown[] }) => {
      diagnostics.set(p.uri, p.diagnostics);
    });
    conn.listen();
  });

  after(async () => {
    conn?.dispose();
    if (proc && proc.exitCode === null) {
      proc.kill();
    }
  });

  it('answers initialize with its capabilities', async () => {
    const result = await withTimeout(
      'initialize',
      Promise.race([died, conn!.sendRequest('initialize', {
        processId: process.pid,
        clientInfo: { name: 'prune-lsp vscode-client test' },
        rootUri: pathToFileURL(workDir).toString(),
        workspaceFolders: [{ uri: pathToFileURL(workDir).toString(), name: 'ws' }],
        capabilities: {
          workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
          textDocument: { publishDiagnostics: { relatedInformation: true } },
          window: { workDoneProgress: true },
        },
        initializationOptions: toServerSettings({ debounceMs: 0 }),
      }) as Promise<typeof initializeResult>]),
      30000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\nserver stderr:\n${stderr}`);
    });
    initializeResult = result;
    assert.ok(result && typeof result.capabilities === 'object', JSON.stringify(result));
    assert.ok(result.capabilities!.textDocumentSync !== undefined, 'no textDocumentSync capability');
    await conn!.sendNotification('initialized', {});
  });

  it('offers the command prune-lsp.computeSparsity that the extension calls', function () {
    if (!initializeResult) {
      this.skip();
    }
    const provider = initializeResult!.capabilities!.executeCommandProvider as { commands?: string[] } | undefined;
    assert.ok(provider?.commands?.includes('prune-lsp.computeSparsity'), JSON.stringify(provider));
  });

  it('reports problems in a pruning config and nothing in other YAML', async function () {
    if (!initializeResult) {
      this.skip();
    }
    const open = (file: string, text: string) => {
      fs.writeFileSync(file, text);
      const uri = pathToFileURL(file).toString();
      void conn!.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
      return uri;
    };
    const ci = open(path.join(workDir, 'ci.yaml'), 'name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n');
    // target_sparsity must be below 1 (INC's check_config asserts it).
    const bad = open(
      path.join(workDir, 'prune.yaml'),
      [
        'pruning:',
        '  approach:',
        '    weight_compression_v2:',
        '      target_sparsity: 1.5',
        '      start_step: 0',
        '      end_step: 10',
        '      pruners:',
        '        - !PrunerV2',
        '            pruning_type: "magnitude"',
        '            pattern: "4x1"',
        '',
      ].join('\n'),
    );
    const end = Date.now() + 20000;
    while (!(diagnostics.get(bad)?.length ?? 0)) {
      if (Date.now() > end) {
        assert.fail(`no diagnostics for ${bad}; got ${JSON.stringify([...diagnostics])}\nserver stderr:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepStrictEqual(diagnostics.get(ci) ?? [], [], 'the server reported problems in a file with no pruning config');
  });

  it('answers prune-lsp/modelInfo, which the status bar asks', async function () {
    if (!initializeResult) {
      this.skip();
    }
    const file = path.join(workDir, 'with-model.yaml');
    fs.writeFileSync(path.join(workDir, 'model.safetensors'), '');
    const text = '# prune-lsp: model=model.safetensors\npruning:\n  approach:\n    weight_compression_v2:\n      pruners: []\n';
    fs.writeFileSync(file, text);
    const uri = pathToFileURL(file).toString();
    await conn!.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    const info = (await withTimeout('modelInfo', conn!.sendRequest('prune-lsp/modelInfo', { uri }), 10000)) as { model: unknown };
    assert.strictEqual(typeof info.model, 'string', JSON.stringify(info));
    assert.strictEqual(path.resolve(info.model as string), path.join(workDir, 'model.safetensors'));
    const none = (await conn!.sendRequest('prune-lsp/modelInfo', { uri: pathToFileURL(path.join(workDir, 'ci.yaml')).toString() })) as {
      model: unknown;
    };
    assert.strictEqual(none.model, null);
  });

  it('shuts down and exits cleanly', async function () {
    if (!initializeResult) {
      this.skip();
    }
    const exited = new Promise<number | null>((resolve) => proc!.once('exit', (code) => resolve(code)));
    await withTimeout('shutdown', conn!.sendRequest('shutdown'), 10000);
    await conn!.sendNotification('exit');
    assert.strictEqual(await withTimeout('exit', exited, 10000), 0, stderr);
  });
});
