// The extension driven through the fake `vscode` API and a fake language client. The interpreter
// check is real: it runs Python (`python -S` in a folder with or without a fake lsp_server).
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { activate, deactivate, PruneLspApi } from '../src/extension';
import { LanguageClient } from './stubs/languageclient';
import { EventEmitter, fakeDocument, stub, Uri, window, workspace } from './stubs/vscode';
import { addFakeSchemaCli, findPython, folderWithFakeServer, tempDir } from './helpers';
import { needsRealCli, realSparsityReport } from './realReport';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('extension (fake VS Code, real interpreter check)', function () {
  const python = findPython();
  let context: { subscriptions: { dispose(): unknown }[]; globalStorageUri: Uri };
  let api: PruneLspApi;

  before(function () {
    if (!python) {
      this.skip(); // no Python on this machine
    }
  });

  const savedPythonPath = process.env.PYTHONPATH;

  beforeEach(() => {
    stub.reset();
    LanguageClient.reset();
    context = { subscriptions: [], globalStorageUri: Uri.file(tempDir('storage')) };
  });

  afterEach(async () => {
    if (savedPythonPath === undefined) {
      delete process.env.PYTHONPATH;
    } else {
      process.env.PYTHONPATH = savedPythonPath;
    }
    await deactivate();
    context.subscriptions.forEach((d) => d.dispose());
  });

  /** A fake lsp_server on PYTHONPATH, and `[python, -S]` as the interpreter setting. */
  function installedSetup(): string {
    process.env.PYTHONPATH = folderWithFakeServer();
    const folder = tempDir('ws');
    workspace.workspaceFolders = [{ uri: Uri.file(folder), name: 'ws', index: 0 }];
    stub.user['pruneLsp.interpreter'] = [python!, '-S'];
    return folder;
  }

  async function start(): Promise<PruneLspApi> {
    api = activate(context as any);
    await api.ready;
    return api;
  }

  const client = (i = 0): LanguageClient => LanguageClient.instances[i];

  it('registers exactly the commands that package.json contributes', async () => {
    installedSetup();
    await start();
    const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepStrictEqual([...stub.commands.keys()].sort(), contributed);
    assert.deepStrictEqual(contributed, ['pruneLsp.computeSparsity', 'pruneLsp.restartServer', 'pruneLsp.showOutput', 'pruneLsp.watchRun']);
  });

  it('starts `python -m lsp_server` over stdio for file-scheme YAML and Python documents', async () => {
    const folder = installedSetup();
    stub.user['pruneLsp.models'] = { 'configs/*.yaml': 'models/bert' };
    stub.user['pruneLsp.disabledRules'] = ['PRN001'];
    await start();
    assert.strictEqual(LanguageClient.instances.length, 1);
    const c = client();
    assert.strictEqual(c.id, 'pruneLsp'); // so that pruneLsp.trace.server is honoured
    assert.strictEqual(c.serverOptions.command, python);
    assert.deepStrictEqual(c.serverOptions.args, ['-S', '-m', 'lsp_server']);
    assert.strictEqual(c.serverOptions.transport, 0); // stdio
    // Python runs in the extension's storage, so that the workspace's packages are not importable.
    assert.strictEqual(c.serverOptions.options.cwd, context.globalStorageUri.fsPath);
    assert.notStrictEqual(c.serverOptions.options.cwd, folder);
    assert.strictEqual(c.serverOptions.options.env.PYTHONSAFEPATH, '1');
    assert.deepStrictEqual(c.clientOptions.documentSelector, [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'file', language: 'python' },
    ]);
    assert.deepStrictEqual(c.clientOptions.synchronize, { configurationSection: 'pruneLsp' });
    assert.deepStrictEqual(c.clientOptions.initializationOptions, {
      models: { 'configs/*.yaml': 'models/bert' },
      device: 'auto',
      allowCodeExecution: false,
      debounceMs: 150,
      disabledRules: ['PRN001'],
    });
    assert.strictEqual(api.server.state, 'running');
    assert.strictEqual(api.server.interpreter?.source, 'setting');
    assert.ok(stub.outputLines.some((l) => l.includes('Interpreter (setting)')), stub.outputLines.join('\n'));
  });

  it('never lets a workspace switch on allowCodeExecution', async () => {
    installedSetup();
    stub.workspace['pruneLsp.allowCodeExecution'] = true;
    await start();
    const mw = client().clientOptions.middleware.workspace;
    assert.strictEqual(client().clientOptions.initializationOptions.allowCodeExecution, false);
    const pulled = await mw.configuration({ items: [{ section: 'pruneLsp' }] }, {}, () => [{ allowCodeExecution: true }]);
    assert.strictEqual(pulled[0].allowCodeExecution, false);
    stub.user['pruneLsp.allowCodeExecution'] = true;
    const pulledAgain = await mw.configuration({ items: [{ section: 'pruneLsp' }] }, {}, () => [{}]);
    assert.strictEqual(pulledAgain[0].allowCodeExecution, true);
  });

  it('answers workspace/configuration and didChangeConfiguration with the translated settings', async () => {
    installedSetup();
    stub.user['pruneLsp.device'] = 'gpu'; // not a valid device: the server gets auto
    stub.user['pruneLsp.debounceMs'] = 40;
    await start();
    const mw = client().clientOptions.middleware.workspace;
    const answer = await mw.configuration(
      { items: [{ section: 'pruneLsp' }, { section: 'yaml' }] },
      {},
      () => [{ device: 'gpu', interpreter: ['x'] }, { format: true }],
    );
    assert.deepStrictEqual(answer[0], { models: {}, device: 'auto', allowCodeExecution: false, debounceMs: 40, disabledRules: [] });
    assert.deepStrictEqual(answer[1], { format: true });
    await mw.didChangeConfiguration(['pruneLsp'], async () => assert.fail('the raw section must not be sent'));
    assert.deepStrictEqual(client().notifications, [
      { method: 'workspace/didChangeConfiguration', params: { settings: { pruneLsp: answer[0] } } },
    ]);
  });

  it('restarts the server when pruneLsp.interpreter changes, not for other settings', async () => {
    installedSetup();
    await start();
    stub.changeSettings({ 'pruneLsp.device': 'cpu' });
    await new Promise((r) => setTimeout(r, 50));
    assert.strictEqual(LanguageClient.instances.length, 1);
    stub.changeSettings({ 'pruneLsp.interpreter': [python!, '-S', '-X', 'utf8'] });
    await waitFor('a second client', () => LanguageClient.instances.length === 2 && api.server.state === 'running');
    assert.strictEqual(client(0).state, 1); // the first one was stopped
    assert.deepStrictEqual(client(1).serverOptions.args, ['-S', '-X', 'utf8', '-m', 'lsp_server']);
  });

  it('restarts on the Restart Server command', async () => {
    installedSetup();
    await start();
    await stub.commands.get('pruneLsp.restartServer')!();
    assert.strictEqual(LanguageClient.instances.length, 2);
    assert.strictEqual(api.server.state, 'running');
  });

  it("uses the Python extension's active environment when the setting is empty, and follows it", async () => {
    process.env.PYTHONPATH = folderWithFakeServer();
    const folder = tempDir('ws');
    workspace.workspaceFolders = [{ uri: Uri.file(folder), name: 'ws', index: 0 }];
    const changed = new EventEmitter<unknown>();
    const asked: unknown[] = [];
    stub.extensions['ms-python.python'] = {
      isActive: true,
      exports: {
        environments: {
          getActiveEnvironmentPath: (resource: unknown) => {
            asked.push(resource);
            return { id: 'venv', path: '/envs/venv' };
          },
          resolveEnvironment: async (env: { id: string }) => (env.id === 'venv' ? { executable: { uri: Uri.file(python!) } } : undefined),
          onDidChangeActiveEnvironmentPath: changed.event,
        },
      },
    };
    await start();
    assert.strictEqual(api.server.interpreter?.source, 'python-extension');
    assert.strictEqual(client().serverOptions.command, python);
    assert.deepStrictEqual(client().serverOptions.args, ['-m', 'lsp_server']);
    assert.strictEqual((asked[0] as Uri).fsPath, folder);
    changed.fire({});
    await waitFor('a restart', () => LanguageClient.instances.length === 2 && api.server.state === 'running');
  });

  it('falls back to python3 without the setting and without the Python extension', async () => {
    await start();
    assert.deepStrictEqual(api.server.interpreter, { command: ['python3'], source: 'default' });
  });

  it('explains how to install prune-lsp when it is not importable, with a button to the setting', async () => {
    // An lsp_server package inside the workspace does not count: it is not the installed one.
    delete process.env.PYTHONPATH;
    workspace.workspaceFolders = [{ uri: Uri.file(folderWithFakeServer()), name: 'ws', index: 0 }];
    stub.user['pruneLsp.interpreter'] = [python!, '-S'];
    stub.answerMessage = (_m, items) => items.find((i) => i === 'Open Setting');
    await start();
    assert.strictEqual(LanguageClient.instances.length, 0);
    assert.strictEqual(api.server.state, 'error');
    const error = stub.messages.find((m) => m.level === 'error');
    assert.ok(error, 'no error message');
    assert.match(error.message, /prune-lsp is not installed in .* -S/);
    assert.match(error.message, /pip install prune-lsp/);
    assert.match(error.message, /pruneLsp\.interpreter/);
    assert.deepStrictEqual(error.items, ['Install prune-lsp', 'Open Setting', 'Show Output']);
    await waitFor('the settings editor', () => stub.executed.some((e) => e.command === 'workbench.action.openSettings'));
    const opened = stub.executed.find((e) => e.command === 'workbench.action.openSettings')!;
    assert.deepStrictEqual(opened.args, ['pruneLsp.interpreter']);
    assert.ok(stub.outputLines.some((l) => /ModuleNotFoundError/.test(l)), stub.outputLines.join('\n'));
    const item = stub.statusItems[0];
    assert.ok(item.visible);
    assert.match(item.text, /\$\(error\) Prune LSP/);
  });

  it('survives an unexpected failure while starting, and can be restarted', async () => {
    installedSetup();
    context.globalStorageUri = Uri.file('/dev/null/storage'); // mkdir fails: ENOTDIR
    await start();
    assert.strictEqual(api.server.state, 'error');
    assert.ok(stub.outputLines.some((l) => /ENOTDIR/.test(l)), stub.outputLines.join('\n'));
    await stub.commands.get('pruneLsp.restartServer')!(); // resolves: the queue is not left rejected
    assert.strictEqual(api.server.state, 'error');
  });

  it('reports a server that fails to start', async () => {
    installedSetup();
    LanguageClient.failStart = new Error('Pending response rejected since connection got disposed');
    await start();
    assert.strictEqual(api.server.state, 'error');
    assert.ok(stub.messages.some((m) => m.level === 'error' && /did not start.*connection got disposed/.test(m.message)));
  });

  it('shows the state and the model of the active config in the status bar', async () => {
    installedSetup();
    const doc = fakeDocument('/ws/configs/prune.yaml', 'yaml');
    window.activeTextEditor = { document: doc };
    LanguageClient.handlers['prune-lsp/modelInfo'] = (p) => ({ model: p.uri.endsWith('prune.yaml') ? '/models/bert/model.safetensors' : null });
    await start();
    await api.statusBar.refresh();
    const item = stub.statusItems[0];
    assert.strictEqual(item.text, '$(check) Prune LSP: model.safetensors');
    assert.match(item.tooltip, /Model: \/models\/bert\/model\.safetensors/);
    assert.ok(item.visible);
    assert.deepStrictEqual(client().requests.at(-1), { method: 'prune-lsp/modelInfo', params: { uri: doc.uri.toString() } });

    // A model the server could not read: a warning icon and the reason.
    LanguageClient.handlers['prune-lsp/modelInfo'] = () => ({ model: '/m/broken.pt', source: 'modeline', status: 'error', error: 'not a zip file' });
    await api.statusBar.refresh();
    assert.strictEqual(item.text, '$(warning) Prune LSP: broken.pt');
    assert.match(item.tooltip, /could not be read: not a zip file/);
    LanguageClient.handlers['prune-lsp/modelInfo'] = () => ({ model: null });

    // A file without a model, then a server without the request: both are "no model".
    window.activeTextEditor = { document: fakeDocument('/ws/train.py', 'python') };
    stub.editorEmitter.fire(undefined);
    await api.statusBar.refresh();
    assert.strictEqual(item.text, '$(check) Prune LSP');
    delete LanguageClient.handlers['prune-lsp/modelInfo'];
    window.activeTextEditor = { document: doc };
    await api.statusBar.refresh();
    assert.strictEqual(item.text, '$(check) Prune LSP');

    // Other languages: hidden.
    window.activeTextEditor = { document: fakeDocument('/ws/README.md', 'markdown') };
    await api.statusBar.refresh();
    assert.ok(!item.visible);
    await api.server.stop();
    assert.strictEqual(item.text, '$(circle-slash) Prune LSP');
  });

  describe('YAML schema fallback', () => {
    function fakeYamlExtension() {
      const registered: { name: string; requestSchema: (r: string) => string | undefined; requestSchemaContent: (u: string) => Promise<string> }[] = [];
      stub.extensions['redhat.vscode-yaml'] = {
        isActive: false,
        activate: async () => ({
          registerContributor: (name: string, requestSchema: any, requestSchemaContent: any) => {
            registered.push({ name, requestSchema, requestSchemaContent });
            return true;
          },
        }),
      };
      return registered;
    }

    it('stays away from the YAML extension by default', async () => {
      installedSetup();
      const registered = fakeYamlExtension();
      await start();
      assert.strictEqual(registered.length, 0);
    });

    it('registers the exported schemas when switched on, one per dialect', async () => {
      installedSetup();
      addFakeSchemaCli(process.env.PYTHONPATH!);
      const registered = fakeYamlExtension();
      const v2 = fakeDocument('/ws/prune.yaml', 'yaml', 'pruning:\n  approach:\n    weight_compression_v2:\n      pruners: []\n');
      const other = fakeDocument('/ws/ci.yaml', 'yaml', 'jobs: {}\n');
      workspace.textDocuments = [v2, other];
      await start();
      stub.changeSettings({ 'pruneLsp.yamlSchemaFallback': true });
      await waitFor('registerContributor', () => registered.length === 1);
      const contributor = registered[0];
      assert.strictEqual(contributor.name, 'prunelsp');
      assert.strictEqual(contributor.requestSchema(v2.uri.toString()), 'prunelsp://schema/v2.json');
      assert.strictEqual(contributor.requestSchema(other.uri.toString()), undefined);
      const schema = JSON.parse(await contributor.requestSchemaContent('prunelsp://schema/v2.json'));
      assert.deepStrictEqual(schema, { title: 'INC pruning v2', type: 'object' });
      // Switched off again: the contributor answers nothing (the API cannot unregister).
      stub.changeSettings({ 'pruneLsp.yamlSchemaFallback': false });
      assert.strictEqual(contributor.requestSchema(v2.uri.toString()), undefined);
      assert.strictEqual(registered.length, 1);
    });

    it('serves an empty schema when the export fails', async () => {
      installedSetup(); // no fake CLI: `from prune_lsp.main import main` fails
      stub.user['pruneLsp.yamlSchemaFallback'] = true;
      const registered = fakeYamlExtension();
      await start();
      assert.strictEqual(registered.length, 1);
      assert.strictEqual(await registered[0].requestSchemaContent('prunelsp://schema/1.x.json'), '{}');
      assert.ok(stub.outputLines.some((l) => /--dialect 1\.x failed/.test(l)), stub.outputLines.join('\n'));
    });
  });

  describe('Compute Sparsity', () => {
    const doc = fakeDocument('/ws/configs/prune.yaml', 'yaml');

    it('asks for the device, runs the server command with progress, and shows a table', async function () {
      needsRealCli(this);
      const RESULT = await realSparsityReport(); // the real CLI's output, as the server returns it
      installedSetup();
      stub.user['pruneLsp.device'] = 'cuda';
      window.activeTextEditor = { document: doc };
      LanguageClient.handlers['workspace/executeCommand'] = (params, c) => {
        const report = c.progressHandlers.get(params.workDoneToken)!;
        report({ kind: 'begin', title: 'Sparsity', percentage: 0 });
        report({ kind: 'report', message: 'layer 3/10', percentage: 30 });
        report({ kind: 'report', message: 'layer 10/10', percentage: 100 });
        report({ kind: 'end' });
        return RESULT;
      };
      stub.answerQuickPick = (items) => items.find((i: { device: string }) => i.device === 'cpu');
      await start();
      await stub.commands.get('pruneLsp.computeSparsity')!();
      // The configured device is offered first.
      assert.deepStrictEqual(stub.quickPicks[0].map((i: { device: string }) => i.device), ['cuda', 'auto', 'cpu']);
      const req = client().requests.find((r) => r.method === 'workspace/executeCommand')!;
      assert.strictEqual(req.params.command, 'prune-lsp.computeSparsity');
      assert.deepStrictEqual(req.params.arguments, [{ uri: doc.uri.toString(), device: 'cpu' }]);
      assert.strictEqual(typeof req.params.workDoneToken, 'string');
      assert.deepStrictEqual(stub.progress[0].reports, [
        { message: undefined, increment: 0 },
        { message: 'layer 3/10', increment: 30 },
        { message: 'layer 10/10', increment: 70 },
      ]);
      assert.strictEqual(client().progressHandlers.size, 0); // unsubscribed
      assert.strictEqual(stub.panels.length, 1);
      const html = stub.panels[0].webview.html;
      assert.strictEqual(stub.panels[0].title, 'Sparsity: prune.yaml');
      assert.match(html, /<td><code>bert\.encoder\.layer\.0\.output\.dense<\/code><\/td>/);
      assert.match(html, /<table id="pruners">/);
      assert.match(html, /vscode-webview:\/\/fake/); // the webview's CSP source
    });

    it('reports a failure, a cancellation, and a missing config', async () => {
      installedSetup();
      await start();
      const run = () => stub.commands.get('pruneLsp.computeSparsity')!();
      await run();
      assert.match(stub.messages.at(-1)!.message, /open a pruning config/);

      window.activeTextEditor = { document: doc };
      LanguageClient.handlers['workspace/executeCommand'] = () => {
        throw Object.assign(new Error('no model for this config: add a modeline'), { code: -32603 });
      };
      await run();
      assert.deepStrictEqual(stub.messages.at(-1)!.level, 'error');
      assert.match(stub.messages.at(-1)!.message, /could not compute sparsity: no model for this config/);

      LanguageClient.handlers['workspace/executeCommand'] = () => {
        throw Object.assign(new Error('cancelled'), { code: -32800 });
      };
      await run();
      assert.match(stub.messages.at(-1)!.message, /cancelled/);
      assert.strictEqual(stub.messages.at(-1)!.level, 'info');

      // An answer that breaks the contract is an error message, not a blank view.
      LanguageClient.handlers['workspace/executeCommand'] = () => ({ model: 'm', inc: {} });
      await run();
      assert.match(stub.messages.at(-1)!.message, /does not match the contract \(SparsityReport\): \$: missing "version"/);
      assert.strictEqual(stub.panels.length, 0);

      stub.answerQuickPick = () => undefined; // Escape on the device pick: nothing is sent
      const before = client().requests.length;
      await run();
      assert.strictEqual(client().requests.length, before);
      assert.strictEqual(stub.panels.length, 0);
    });
  });
});
