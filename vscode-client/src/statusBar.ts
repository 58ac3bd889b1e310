// The status bar item: the server's state and the model that the active config refers to.
import * as path from 'path';
import * as vscode from 'vscode';
import { ServerManager, ServerState } from './server';

/** Custom request answered by the server: `{uri}` -> `{model: path | null}`. */
export const MODEL_INFO_METHOD = 'prune-lsp/modelInfo';

const ICONS: Record<ServerState, string> = {
  starting: '$(loading~spin)',
  running: '$(check)',
  stopped: '$(circle-slash)',
  error: '$(error)',
};

export function isCandidateDocument(doc: vscode.TextDocument | undefined): doc is vscode.TextDocument {
  return !!doc && doc.uri.scheme === 'file' && (doc.languageId === 'yaml' || doc.languageId === 'python');
}

export interface ModelInfo {
  model: string | null;
  /** "loading", "ok" or "error" when the server says (it reads the model in the background). */
  status?: string;
  error?: string;
}

const NO_MODEL: ModelInfo = { model: null };

/** What the server says about the active config's model; "no model" for errors and old servers. */
export async function requestModel(server: ServerManager, uri: vscode.Uri): Promise<ModelInfo> {
  const client = server.languageClient;
  if (!client) {
    return NO_MODEL;
  }
  try {
    const answer = await client.sendRequest<Record<string, unknown> | null>(MODEL_INFO_METHOD, { uri: uri.toString() });
    if (!answer || typeof answer.model !== 'string' || answer.model === '') {
      return NO_MODEL;
    }
    return {
      model: answer.model,
      status: typeof answer.status === 'string' ? answer.status : undefined,
      error: typeof answer.error === 'string' ? answer.error : undefined,
    };
  } catch {
    return NO_MODEL; // MethodNotFound from a server without the request, or any other failure
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

  private render(doc: vscode.TextDocument | undefined): void {
    const state = this.server.state;
    const { model, status, error } = this.model;
    const icon = state === 'running' && status === 'error' ? '$(warning)' : ICONS[state];
    this.item.text = `${icon} Prune LSP${model ? `: ${path.basename(model)}` : ''}`;
    const lines = [`Prune LSP: server ${state}`];
    if (this.server.interpreter) {
      lines.push(`Interpreter: ${this.server.interpreter.command.join(' ')}`);
    }
    if (model) {
      lines.push(`Model: ${model}${status === 'loading' ? ' (loading)' : ''}`);
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
