// Owns the language client: picks the interpreter, checks that prune-lsp is importable in it,
// starts `python -m lsp_server` over stdio, and restarts it on demand.
import { promises as fs } from 'fs';
import * as vscode from 'vscode';
import {
  ClientCapabilities,
  DidChangeConfigurationNotification,
  FeatureState,
  StaticFeature,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { checked } from './contract';
import { EXPERIMENTAL_CAPABILITY, MODEL_STATUS, ModelStatus, WATCH_CAPABILITY, WATCH_POINT, WatchPointMessage } from './generated/contract';
import { installServer, installSpec } from './install';
import { checkImportable, ImportCheck, Interpreter, pythonEnvironment, resolveInterpreter, serverCommand } from './launch';
import { activePythonPath } from './pythonExtension';
import { isOurSection, SECTION, ServerSettings, toServerSettings } from './serverSettings';

export type ServerState = 'starting' | 'running' | 'stopped' | 'error';

export const CLIENT_ID = 'pruneLsp';
export const CLIENT_NAME = 'Prune LSP';

/** Files the client sends to the server; the server itself decides which of them are pruning configs. */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', language: 'python' },
];

export const SETTING_ACTION = 'Open Setting';
export const INSTALL_ACTION = 'Install prune-lsp';

/**
 * Asks the server for `prune-lsp/modelStatus` and `prune-lsp/watchPoint` notifications
 * (ClientCapabilities.experimental).
 */
const MODEL_STATUS_FEATURE: StaticFeature = {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.experimental = {
      ...(capabilities.experimental as object | undefined),
      [EXPERIMENTAL_CAPABILITY]: true,
      [WATCH_CAPABILITY]: true,
    };
  },
  initialize(): void {},
  getState(): FeatureState {
    return { kind: 'static' };
  },
  clear(): void {},
};
export const OUTPUT_ACTION = 'Show Output';

/** The settings the server gets, with `allowCodeExecution` read from user/machine level only. */
export function currentServerSettings(resource?: vscode.Uri): ServerSettings {
  const config = vscode.workspace.getConfiguration(SECTION, resource);
  const allow = config.inspect<boolean>('allowCodeExecution');
  return toServerSettings({
    models: config.get('models'),
    device: config.get('device'),
    // Declared with machine scope already; reading only the global value is belt and braces
    // against a workspace (a cloned repository) switching on code execution.
    allowCodeExecution: allow?.globalValue ?? allow?.defaultValue ?? false,
    debounceMs: config.get('debounceMs'),
    disabledRules: config.get('disabledRules'),
  });
}

function firstWorkspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private clientListeners: vscode.Disposable[] = [];
  private pending: Promise<void> = Promise.resolve();
  private stopping = false;
  private _state: ServerState = 'stopped';
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly modelStatusEmitter = new vscode.EventEmitter<ModelStatus>();
  /** `prune-lsp/modelStatus` from the server, checked against the contract. */
  readonly onModelStatus = this.modelStatusEmitter.event;
  private readonly watchPointEmitter = new vscode.EventEmitter<WatchPointMessage>();
  /** `prune-lsp/watchPoint` from the server (a followed run's checkpoint), checked against the contract. */
  readonly onWatchPoint = this.watchPointEmitter.event;
  /** The interpreter of the current (or last attempted) start, and what the import check found. */
  interpreter: Interpreter | undefined;
  importCheck: ImportCheck | undefined;

  /**
   * @param workDir the folder Python runs in: the extension's own storage, never the workspace,
   *   whose packages would otherwise be importable (and could shadow or impersonate prune-lsp).
   */
  constructor(
    private readonly output: vscode.LogOutputChannel,
    readonly workDir: string,
  ) {}

  get log(): vscode.LogOutputChannel {
    return this.output;
  }

  get state(): ServerState {
    return this._state;
  }

  get languageClient(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  private setState(state: ServerState): void {
    if (state !== this._state) {
      this._state = state;
      this.stateEmitter.fire(state);
    }
  }

  /** Starts, stops and restarts run one after another, never interleaved. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    const guarded = () =>
      work().catch((e: unknown) => {
        // Never leave the queue rejected: the next start or restart must still run.
        this.output.error(`Prune LSP: ${(e as Error).message ?? String(e)}`);
        this.setState('error');
      });
    this.pending = this.pending.then(guarded);
    return this.pending;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  async resolveInterpreter(): Promise<Interpreter> {
    const folder = firstWorkspaceFolder();
    const setting = vscode.workspace.getConfiguration(SECTION, folder?.uri).get<unknown>('interpreter');
    const fromSetting = resolveInterpreter({ setting, workspaceFolder: folder?.uri.fsPath });
    if (fromSetting.source === 'setting') {
      return fromSetting;
    }
    const pythonPath = await activePythonPath(folder?.uri, this.output);
    return resolveInterpreter({ setting: undefined, pythonExtensionPath: pythonPath, workspaceFolder: folder?.uri.fsPath });
  }

  private async doStart(): Promise<void> {
    if (this.client) {
      return;
    }
    this.setState('starting');
    const interpreter = await this.resolveInterpreter();
    this.interpreter = interpreter;
    const shown = interpreter.command.join(' ');
    this.output.info(`Interpreter (${interpreter.source}): ${shown}`);
    const cwd = this.workDir;
    await fs.mkdir(cwd, { recursive: true });
    const check = await checkImportable(interpreter, { cwd });
    this.importCheck = check;
    if (!check.ok) {
      this.output.error(check.reason);
      this.setState('error');
      this.showNotInstalled(interpreter, check.pythonRan === true);
      return;
    }
    this.output.info(`prune-lsp ${check.version ?? '(version unknown)'} on Python ${check.python} (${check.executable})`);

    const { command, args } = serverCommand(interpreter);
    const serverOptions: ServerOptions = {
      command,
      args,
      transport: TransportKind.stdio,
      options: { cwd, env: pythonEnvironment() },
    };
    // The middleware below needs the client it belongs to, which exists only once constructed.
    const self: { client?: LanguageClient } = {};
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: currentServerSettings(firstWorkspaceFolder()?.uri),
      synchronize: { configurationSection: SECTION },
      middleware: {
        workspace: {
          // Both paths send the translated settings, never the raw section (which would carry
          // a workspace-level allowCodeExecution and keys the server has no use for).
          configuration: async (params, token, next) => {
            const base = await next(params, token);
            if (!Array.isArray(base)) {
              return base;
            }
            return params.items.map((item, i) =>
              isOurSection(item.section)
                ? currentServerSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                : base[i],
            );
          },
          didChangeConfiguration: async () => {
            // Not while the client stops (a new interpreter restarts the server): it would fail.
            if (self.client?.state !== State.Running) {
              return;
            }
            await self.client.sendNotification(DidChangeConfigurationNotification.type, {
              settings: { [SECTION]: currentServerSettings(firstWorkspaceFolder()?.uri) },
            });
          },
        },
      },
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    self.client = client;
    this.client = client;
    client.registerFeature(MODEL_STATUS_FEATURE);
    this.clientListeners.push(
      client.onNotification(MODEL_STATUS, (params: unknown) => {
        try {
          this.modelStatusEmitter.fire(checked<ModelStatus>('ModelStatus', params, `The ${MODEL_STATUS} notification`));
        } catch (e) {
          this.output.error((e as Error).message);
        }
      }),
    );
    this.clientListeners.push(
      client.onNotification(WATCH_POINT, (params: unknown) => {
        try {
          this.watchPointEmitter.fire(checked<WatchPointMessage>('WatchPointMessage', params, `The ${WATCH_POINT} notification`));
        } catch (e) {
          this.output.error((e as Error).message);
        }
      }),
    );
    this.clientListeners.push(
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) {
          this.setState('running');
        } else if (e.newState === State.Starting) {
          this.setState('starting');
        } else if (e.newState === State.Stopped) {
          // A stop we did not ask for is a crash the client gave up restarting.
          this.setState(this.stopping ? 'stopped' : 'error');
        }
      }),
    );
    this.output.info(`Starting ${command} ${args.join(' ')}`);
    try {
      await client.start();
      this.setState('running');
    } catch (e) {
      this.output.error(`The server did not start: ${(e as Error).message}`);
      this.setState('error');
      void vscode.window
        .showErrorMessage(`Prune LSP: the server did not start (${(e as Error).message}).`, OUTPUT_ACTION)
        .then((choice) => (choice === OUTPUT_ACTION ? this.output.show() : undefined));
    }
  }

  private showNotInstalled(interpreter: Interpreter, pythonRan: boolean): void {
    const shown = interpreter.command.join(' ');
    const spec = installSpec();
    // One click installs it into this very interpreter (pip, with progress); the server then
    // starts without a reload. Offered only when the interpreter itself runs.
    const message = pythonRan
      ? `Prune LSP: prune-lsp is not installed in ${shown}. Install it there now (pip install ${spec}), ` +
        'or set "pruneLsp.interpreter" to a Python environment that has it.'
      : `Prune LSP: ${shown} could not be run. Set "pruneLsp.interpreter" to a Python 3.10+ environment.`;
    const actions = pythonRan ? [INSTALL_ACTION, SETTING_ACTION, OUTPUT_ACTION] : [SETTING_ACTION, OUTPUT_ACTION];
    void vscode.window.showErrorMessage(message, ...actions).then(async (choice) => {
      if (choice === INSTALL_ACTION) {
        const ok = await installServer(interpreter, spec, this.workDir, this.output);
        if (ok) {
          await this.start();
        }
        return undefined;
      }
      if (choice === SETTING_ACTION) {
        return vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.interpreter`);
      }
      if (choice === OUTPUT_ACTION) {
        this.output.show();
      }
      return undefined;
    });
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) {
      if (this._state !== 'error') {
        this.setState('stopped');
      }
      return;
    }
    this.stopping = true;
    try {
      if (client.state !== State.Stopped) {
        await client.stop(5000);
      }
    } catch (e) {
      this.output.warn(`Stopping the server: ${(e as Error).message}`);
    } finally {
      this.stopping = false;
      this.clientListeners.forEach((d) => d.dispose());
      this.clientListeners = [];
      this.setState('stopped');
    }
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
    this.modelStatusEmitter.dispose();
    this.watchPointEmitter.dispose();
  }
}
