// The status bar item: the server's state and the model that the active config refers to.
import * as path from 'path';
import * as vscode from 'vscode';
import { checked } from './contract';
import { MODEL_INFO, ModelInfo, ModelStatus } from './generated/contract';
import { ServerManager, ServerState } from './server';

export { MODEL_INFO as MODEL_INFO_METHOD } from './generated/contract';

const ICONS: Record<ServerState, string> = {
  starting: '$(loading~spin)',
  running: '$(check)',
  stopped: '$(circle-slash)',
  error: '$(error)',
};

export function isCandidateDocument(doc: vscode.TextDocument | undefined): doc is vscode.TextDocument {
  return !!doc && doc.uri.scheme === 'file' && (doc.languageId === 'yaml' || doc.languageId === 'python');
}

const NO_MODEL: ModelInfo = { model: null };

/** What the server says about the active config's model; "no model" for errors and old servers. */
export async function requestModel(server: ServerManager, uri: vscode.Uri): Promise<ModelInfo> {
  const client = server.languageClient;
  if (!client) {
    return NO_MODEL;
  }
  let answer: unknown;
  try {
    answer = await client.sendRequest(MODEL_INFO, { uri: uri.toString() });
  } catch {
    return NO_MODEL; // MethodNotFound from a server without the request, or any other failure
  }
  try {
    return checked<ModelInfo>('ModelInfo', answer, `The answer to ${MODEL_INFO}`);
  } catch (e) {
    server.log.error((e as Error).message);
    return NO_MODEL;
  }
}

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private model: ModelInfo = NO_MODEL;
  private sequence = 0;

  constructor(private readonly server: ServerManager) {
    this.item = vscode.window.createStatusBarItem('pruneLsp.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Prune LSP';
    this.item.command = 'pruneLsp.showOutput';
    this.disposables.push(
      this.item,
      server.onDidChangeState(() => void this.refresh()),
      // The server says when the model of an open document changes (didOpen, an edited
      // modeline, a load that finished or failed): no need to switch editors to see it.
      server.onModelStatus((status) => this.onStatus(status)),
      vscode.window.onDidChangeActiveTextEditor(() => void this.refresh()),
      // A modeline edited and saved can change the model.
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (doc === vscode.window.activeTextEditor?.document) {
          void this.refresh();
        }
      }),
    );
    void this.refresh();
  }

  /** Re-renders now, and again once the server has said which model the active document uses. */
  async refresh(): Promise<void> {
    const seq = ++this.sequence;
    const doc = vscode.window.activeTextEditor?.document;
    this.model = NO_MODEL;
    this.render(doc);
    if (this.server.state === 'running' && isCandidateDocument(doc)) {
      const model = await requestModel(this.server, doc.uri);
      if (seq === this.sequence) {
        // Only the latest request may write: editors switched fast answer out of order.
        this.model = model;
        this.render(doc);
      }
    }
  }

  private onStatus(status: ModelStatus): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || doc.uri.toString() !== status.uri) {
      return;
    }
    ++this.sequence; // an older modelInfo answer still in flight must not overwrite this
    this.model = status.model ? status : NO_MODEL;
    this.render(doc);
  }

  private render(doc: vscode.TextDocument | undefined): void {
    const state = this.server.state;
    const { model, status, error } = this.model;
    const loaded = status === 'ok' && typeof this.model.layers === 'number' ? ` (${this.model.layers} layers)` : '';
    const icon = state === 'running' && status === 'error' ? '$(warning)' : ICONS[state];
    this.item.text = `${icon} Prune LSP${model ? `: ${path.basename(model)}` : ''}`;
    const lines = [`Prune LSP: server ${state}`];
    if (this.server.interpreter) {
      lines.push(`Interpreter: ${this.server.interpreter.command.join(' ')}`);
    }
    if (model) {
      lines.push(`Model: ${model}${status === 'loading' ? ' (loading)' : loaded}`);
      if (status === 'error') {
        lines.push(`The model could not be read: ${error ?? 'see the output'}`);
      }
    } else if (state === 'running' && isCandidateDocument(doc)) {
      lines.push('No model for this file (add `# prune-lsp: model=PATH` or set pruneLsp.models)');
    }
    lines.push('Click to show the output');
    this.item.tooltip = lines.join('\n');
    this.item.backgroundColor = state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    if (state === 'error' || isCandidateDocument(doc)) {
      this.item.show();
    } else {
      this.item.hide();
    }
  }

  /** What the item shows, for tests and the output log. */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
