// Entry point: wires the server manager, the commands, the status bar and the schema fallback.
import * as vscode from 'vscode';
import { onActivePythonChanged } from './pythonExtension';
import { CLIENT_NAME, ServerManager } from './server';
import { SECTION } from './serverSettings';
import { computeSparsity } from './sparsityCommand';
import { StatusBar } from './statusBar';
import { watchRun } from './watchCommand';
import { YamlSchemaFallback } from './yamlSchemaFallback';

export const COMMANDS = {
  computeSparsity: 'pruneLsp.computeSparsity',
  restartServer: 'pruneLsp.restartServer',
  showOutput: 'pruneLsp.showOutput',
  watchRun: 'pruneLsp.watchRun',
} as const;

let manager: ServerManager | undefined;

/** Returned from activate() so that tests (and other extensions) can reach the live objects. */
export interface PruneLspApi {
  server: ServerManager;
  statusBar: StatusBar;
  schemas: YamlSchemaFallback;
  output: vscode.LogOutputChannel;
  ready: Promise<void>;
}

export function activate(context: vscode.ExtensionContext): PruneLspApi {
  const output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  const server = new ServerManager(output, context.globalStorageUri.fsPath);
  manager = server;
  const statusBar = new StatusBar(server);
  const schemas = new YamlSchemaFallback(context.globalStorageUri.fsPath, server, output);
  context.subscriptions.push(output, server, statusBar);

  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.computeSparsity, () => computeSparsity(server)),
    vscode.commands.registerCommand(COMMANDS.restartServer, () => server.restart()),
    vscode.commands.registerCommand(COMMANDS.showOutput, () => output.show()),
    vscode.commands.registerCommand(COMMANDS.watchRun, (folder?: vscode.Uri) => watchRun(server, folder)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.interpreter`)) {
        output.info('pruneLsp.interpreter changed: restarting the server.');
        void server.restart();
      }
      if (e.affectsConfiguration(`${SECTION}.yamlSchemaFallback`)) {
        void schemas.update();
      }
    }),
  );

  // A new environment picked in the Python extension matters only when our setting is unset.
  void onActivePythonChanged(() => {
    if (server.interpreter?.source !== 'setting') {
      output.info('The Python extension changed its interpreter: restarting the server.');
      void server.restart();
    }
  }, output).then((d) => d && context.subscriptions.push(d));

  const ready = server.start().then(() => schemas.update());
  return { server, statusBar, schemas, output, ready };
}

export async function deactivate(): Promise<void> {
  await manager?.stop();
  manager = undefined;
}
