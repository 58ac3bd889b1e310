// A small fake of the `vscode` API: just what the extension uses, with every effect recorded
// in `stub` so that tests can drive the UI (answers to prompts) and inspect what happened.
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as fs from 'fs';
import * as path from 'path';

export class Disposable {
  constructor(private readonly fn: () => void = () => undefined) {}
  dispose(): void {
    this.fn();
  }
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
}

export class EventEmitter<T> {
  private listeners: ((e: T) => unknown)[] = [];
  event = (listener: (e: T) => unknown): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };
  fire(value: T): void {
    [...this.listeners].forEach((l) => l(value));
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  get fsPath(): string {
    return this.path;
  }
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  static parse(s: string): Uri {
    const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(s);
    return m ? new Uri(m[1], decodeURIComponent(m[2])) : new Uri('file', s);
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}
export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}
export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
}
export class ThemeColor {
  constructor(readonly id: string) {}
}

export interface FakeDocument {
  uri: Uri;
  languageId: string;
  getText(): string;
}

export function fakeDocument(file: string, languageId: string, text = ''): FakeDocument {
  return { uri: Uri.file(file), languageId, getText: () => text };
}

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const contributed: Record<string, any> = pkg.contributes.configuration.properties;

/** Everything tests can set or read. reset() before each test. */
export const stub = {
  /** User-level and workspace-level values, keyed by full setting name. */
  user: {} as Record<string, unknown>,
  workspace: {} as Record<string, unknown>,
  commands: new Map<string, (...args: any[]) => unknown>(),
  executed: [] as { command: string; args: unknown[] }[],
  messages: [] as { level: 'error' | 'warning' | 'info'; message: string; items: string[] }[],
  /** Picks which button the "user" clicks on a message; undefined dismisses it. */
  answerMessage: (_message: string, _items: string[]): string | undefined => undefined,
  answerQuickPick: (items: any[]): any => items[0],
  quickPicks: [] as any[][],
  progress: [] as { title?: string; reports: unknown[] }[],
  cancelProgress: false,
  panels: [] as { viewType: string; title: string; webview: { html: string; cspSource: string } }[],
  statusItems: [] as any[],
  outputLines: [] as string[],
  extensions: {} as Record<string, any>,
  configEmitter: new EventEmitter<{ affectsConfiguration(section: string): boolean }>(),
  editorEmitter: new EventEmitter<unknown>(),
  saveEmitter: new EventEmitter<unknown>(),
  reset(): void {
    this.user = {};
    this.workspace = {};
    this.commands.clear();
    this.executed = [];
    this.messages = [];
    this.answerMessage = () => undefined;
    this.answerQuickPick = (items: any[]) => items[0];
    this.quickPicks = [];
    this.progress = [];
    this.cancelProgress = false;
    this.panels = [];
    this.statusItems = [];
    this.outputLines = [];
    this.extensions = {};
    this.configEmitter = new EventEmitter();
    this.editorEmitter = new EventEmitter();
    this.saveEmitter = new EventEmitter();
    window.activeTextEditor = undefined;
    workspace.workspaceFolders = undefined;
    workspace.textDocuments = [];
  },
  /** Changes settings and fires onDidChangeConfiguration for them, like the settings editor. */
  changeSettings(values: Record<string, unknown>, level: 'user' | 'workspace' = 'user'): void {
    Object.assign(level === 'user' ? this.user : this.workspace, values);
    const keys = Object.keys(values);
    this.configEmitter.fire({
      affectsConfiguration: (section: string) => keys.some((k) => k === section || k.startsWith(`${section}.`)),
    });
  },
};

function configuration(section?: string) {
  const full = (key: string) => (section ? `${section}.${key}` : key);
  const has = (obj: Record<string, unknown>, key: string) => Object.prototype.hasOwnProperty.call(obj, key);
  return {
    get<T>(key: string, defaultValue?: T): T | undefined {
      const k = full(key);
      if (has(stub.workspace, k)) return stub.workspace[k] as T;
      if (has(stub.user, k)) return stub.user[k] as T;
      if (k in contributed) return contributed[k].default as T;
      return defaultValue;
    },
    has(key: string): boolean {
      return full(key) in contributed;
    },
    inspect<T>(key: string) {
      const k = full(key);
      return {
        key: k,
        defaultValue: contributed[k]?.default as T | undefined,
        globalValue: stub.user[k] as T | undefined,
        workspaceValue: stub.workspace[k] as T | undefined,
      };
    },
    update: async () => undefined,
  };
}

function message(level: 'error' | 'warning' | 'info') {
  return (msg: string, ...items: string[]): Promise<string | undefined> => {
    stub.messages.push({ level, message: msg, items });
    return Promise.resolve(stub.answerMessage(msg, items));
  };
}

export const workspace = {
  workspaceFolders: undefined as { uri: Uri; name: string; index: number }[] | undefined,
  textDocuments: [] as FakeDocument[],
  getConfiguration: (section?: string, _resource?: unknown) => configuration(section),
  onDidChangeConfiguration: (l: any) => stub.configEmitter.event(l),
  onDidSaveTextDocument: (l: any) => stub.saveEmitter.event(l),
};

export const window = {
  activeTextEditor: undefined as { document: FakeDocument } | undefined,
  onDidChangeActiveTextEditor: (l: any) => stub.editorEmitter.event(l),
  createOutputChannel(name: string, _opts?: unknown) {
    const log = (level: string) => (msg: string) => stub.outputLines.push(`[${level}] ${msg}`);
    return {
      name,
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      debug: log('debug'),
      trace: log('trace'),
      append: (s: string) => stub.outputLines.push(s),
      appendLine: (s: string) => stub.outputLines.push(s),
      show: () => stub.executed.push({ command: '<output.show>', args: [name] }),
      dispose: () => undefined,
    };
  },
  createStatusBarItem(id: string, alignment: StatusBarAlignment, priority: number) {
    const item = {
      id,
      alignment,
      priority,
      text: '',
      tooltip: '' as unknown,
      name: '',
      command: undefined as unknown,
      backgroundColor: undefined as unknown,
      visible: false,
      show() {
        item.visible = true;
      },
      hide() {
        item.visible = false;
      },
      dispose() {
        item.visible = false;
      },
    };
    stub.statusItems.push(item);
    return item;
  },
  showErrorMessage: message('error'),
  showWarningMessage: message('warning'),
  showInformationMessage: message('info'),
  showQuickPick(items: any[], _opts?: unknown): Promise<any> {
    stub.quickPicks.push(items);
    return Promise.resolve(stub.answerQuickPick(items));
  },
  async withProgress(opts: { title?: string }, task: (progress: any, token: any) => Promise<unknown>) {
    const record = { title: opts.title, reports: [] as unknown[] };
    stub.progress.push(record);
    const token = { isCancellationRequested: stub.cancelProgress, onCancellationRequested: () => new Disposable() };
    return task({ report: (v: unknown) => record.reports.push(v) }, token);
  },
  createWebviewPanel(viewType: string, title: string) {
    const panel = { viewType, title, webview: { html: '', cspSource: 'vscode-webview://fake' }, dispose: () => undefined };
    stub.panels.push(panel);
    return panel;
  },
};

export const commands = {
  registerCommand(id: string, fn: (...args: any[]) => unknown): Disposable {
    if (stub.commands.has(id)) {
      throw new Error(`command '${id}' already exists`);
    }
    stub.commands.set(id, fn);
    return new Disposable(() => stub.commands.delete(id));
  },
  async executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
    stub.executed.push({ command: id, args });
    const fn = stub.commands.get(id);
    return fn ? fn(...args) : undefined;
  },
};

export const extensions = {
  getExtension(id: string) {
    return stub.extensions[id];
  },
};
