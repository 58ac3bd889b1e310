// "Prune LSP: Compute Sparsity": asks for a device, runs the server command with a cancellable
// progress notification, and shows the result as a table in a webview.
import * as crypto from 'crypto';
import * as path from 'path';
import * as vscode from 'vscode';
import { ExecuteCommandRequest, WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressReport } from 'vscode-languageclient/node';
import { checked } from './contract';
import { COMPUTE_SPARSITY, SparsityReport } from './generated/contract';
import { ServerManager } from './server';
import { normalizeDevice, SECTION } from './serverSettings';
import { renderSparsityHtml } from './sparsityReport';
import { isCandidateDocument } from './statusBar';

export const SERVER_COMMAND = COMPUTE_SPARSITY;
const REQUEST_CANCELLED = -32800;

interface DeviceItem extends vscode.QuickPickItem {
  device: string;
}

const DEVICES: DeviceItem[] = [
  { label: 'auto', device: 'auto', description: 'CUDA when the server sees a GPU, else CPU' },
  { label: 'cpu', device: 'cpu', description: 'count zeros on the CPU' },
  { label: 'cuda', device: 'cuda', description: 'count zeros on the GPU (fails when the server has none)' },
];

/** The device items, the configured one first so that Enter keeps the setting. */
export function deviceItems(configured: string): DeviceItem[] {
  const first = DEVICES.find((d) => d.device === configured);
  if (!first) {
    return DEVICES;
  }
  return [{ ...first, detail: 'pruneLsp.device' }, ...DEVICES.filter((d) => d !== first)];
}

export async function computeSparsity(server: ServerManager): Promise<void> {
  const doc = vscode.window.activeTextEditor?.document;
  if (!isCandidateDocument(doc)) {
    void vscode.window.showWarningMessage('Prune LSP: open a pruning config (YAML or Python file) first.');
    return;
  }
  const client = server.languageClient;
  if (!client) {
    void vscode.window.showErrorMessage(`Prune LSP: the server is ${server.state}; run "Prune LSP: Restart Server".`);
    return;
  }
  const configured = normalizeDevice(vscode.workspace.getConfiguration(SECTION, doc.uri).get('device'));
  const choice = await vscode.window.showQuickPick(deviceItems(configured), {
    title: 'Prune LSP: Compute Sparsity',
    placeHolder: 'Device to count the zeros on',
  });
  if (!choice) {
    return;
  }
  const uri = doc.uri.toString();
  const name = path.basename(doc.uri.fsPath);
  let result: unknown;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Prune LSP: sparsity of ${name}'s model`, cancellable: true },
      async (progress, token) => {
        // The server reports work-done progress on a token we provide, shown in this notification.
        const workDoneToken = crypto.randomUUID();
        let done = 0;
        const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
          if (value.kind === 'end') {
            return;
          }
          const v = value as WorkDoneProgressBegin | WorkDoneProgressReport;
          const increment = typeof v.percentage === 'number' ? Math.max(0, v.percentage - done) : undefined;
          if (typeof v.percentage === 'number') {
            done = Math.max(done, v.percentage);
          }
          progress.report({ message: v.message, increment });
        });
        try {
          return await client.sendRequest(
            ExecuteCommandRequest.type,
            { command: SERVER_COMMAND, arguments: [{ uri, device: choice.device }], workDoneToken },
            token,
          );
        } finally {
          sub.dispose();
        }
      },
    );
  } catch (e) {
    const err = e as { code?: number; message?: string };
    if (err.code === REQUEST_CANCELLED) {
      void vscode.window.showInformationMessage('Prune LSP: sparsity computation cancelled.');
    } else {
      void vscode.window.showErrorMessage(`Prune LSP: could not compute sparsity: ${err.message ?? String(e)}`);
    }
    return;
  }
  let report: SparsityReport;
  try {
    report = checked<SparsityReport>('SparsityReport', result, `The ${SERVER_COMMAND} result`);
  } catch (e) {
    server.log.error((e as Error).message);
    void vscode.window.showErrorMessage(`Prune LSP: ${(e as Error).message}`);
    return;
  }
  showReport(report, name);
}

export function showReport(result: SparsityReport, configName: string): vscode.WebviewPanel {
  const title = `Sparsity: ${configName}`;
  const panel = vscode.window.createWebviewPanel('pruneLsp.sparsity', title, vscode.ViewColumn.Beside, {
    enableScripts: false,
    localResourceRoots: [],
  });
  panel.webview.html = renderSparsityHtml(result, { cspSource: panel.webview.cspSource, title });
  return panel;
}
