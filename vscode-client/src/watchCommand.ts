// "Prune LSP: Watch Training Run": picks a run folder, asks the server to follow it against the
// active pruning config's schedule (`prune-lsp.watchRun`), and shows the measured checkpoints over
// INC's schedule in a webview that re-renders as `prune-lsp/watchPoint` notifications arrive.
// Closing the panel stops the watch (`prune-lsp.stopWatch`); so does the server stopping.
import * as path from 'path';
import * as vscode from 'vscode';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import { checked } from './contract';
import { STOP_WATCH, WATCH_RUN, WatchPoint, WatchStarted } from './generated/contract';
import { ServerManager } from './server';
import { isCandidateDocument } from './statusBar';
import { renderWatchHtml } from './watchView';

export interface WatchSession {
  panel: vscode.WebviewPanel;
  started: WatchStarted;
  points: WatchPoint[];
}

export async function watchRun(server: ServerManager, folder?: vscode.Uri): Promise<WatchSession | undefined> {
  const client = server.languageClient;
  if (!client) {
    void vscode.window.showErrorMessage(`Prune LSP: the server is ${server.state}; run "Prune LSP: Restart Server".`);
    return undefined;
  }
  const doc = vscode.window.activeTextEditor?.document;
  const config = isCandidateDocument(doc) ? doc : undefined;
  if (!folder) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Watch',
      title: config
        ? `Prune LSP: training run folder to follow against ${path.basename(config.uri.fsPath)}`
        : 'Prune LSP: training run folder to follow (no pruning config open: no schedule)',
      defaultUri: config ? vscode.Uri.file(path.dirname(config.uri.fsPath)) : vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    folder = picked?.[0];
    if (!folder) {
      return undefined;
    }
  }
  const args: Record<string, unknown> = { runDir: folder.fsPath };
  if (config) {
    args.uri = config.uri.toString();
  }
  let started: WatchStarted;
  try {
    const result = await client.sendRequest(ExecuteCommandRequest.type, { command: WATCH_RUN, arguments: [args] });
    started = checked<WatchStarted>('WatchStarted', result, `The ${WATCH_RUN} result`);
  } catch (e) {
    void vscode.window.showErrorMessage(`Prune LSP: could not watch ${folder.fsPath}: ${(e as Error).message ?? String(e)}`);
    return undefined;
  }
  const title = `Watch: ${path.basename(started.runDir)}`;
  const panel = vscode.window.createWebviewPanel('pruneLsp.watch', title, vscode.ViewColumn.Beside, {
    enableScripts: false,
    localResourceRoots: [],
    retainContextWhenHidden: true,
  });
  const session: WatchSession = { panel, started, points: [] };
  let state = 'watching';
  const render = () => {
    panel.webview.html = renderWatchHtml(started, session.points, { cspSource: panel.webview.cspSource, title, state });
  };
  render();
  const subs: vscode.Disposable[] = [
    server.onWatchPoint((msg) => {
      if (msg.watchId !== started.watchId) {
        return;
      }
      const point: Record<string, unknown> = { ...msg };
      delete point.watchId; // the rest is one `prune-lsp watch --format jsonl` line
      session.points.push(point as unknown as WatchPoint);
      render();
    }),
    server.onDidChangeState((s) => {
      if (s !== 'running' && state === 'watching') {
        state = `stopped (the server is ${s})`;
        render();
      }
    }),
  ];
  panel.onDidDispose(() => {
    subs.forEach((d) => d.dispose());
    const c = server.languageClient;
    if (c && state === 'watching') {
      c.sendRequest(ExecuteCommandRequest.type, { command: STOP_WATCH, arguments: [{ watchId: started.watchId }] }).then(
        undefined,
        (e: Error) => server.log.warn(`${STOP_WATCH}: ${e.message}`),
      );
    }
  });
  return session;
}
