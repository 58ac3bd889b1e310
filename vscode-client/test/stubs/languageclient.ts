// A fake of `vscode-languageclient/node`: records how the extension builds and drives the
// client. The real client and the real server are exercised by serverHandshake.test.ts.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { EventEmitter } from './vscode';

export enum State {
  Stopped = 1,
  Running = 2,
  Starting = 3,
}
export enum TransportKind {
  stdio = 0,
  ipc = 1,
  pipe = 2,
  socket = 3,
}
export enum RevealOutputChannelOn {
  Debug = 0,
  Info = 1,
  Warn = 2,
  Error = 3,
  Never = 4,
}
export const DidChangeConfigurationNotification = { type: { method: 'workspace/didChangeConfiguration' } };
export const ExecuteCommandRequest = { type: { method: 'workspace/executeCommand' } };
export const WorkDoneProgress = { type: { method: '$/progress' } };

type Handler = (params: any, client: LanguageClient) => unknown;

export class LanguageClient {
  static instances: LanguageClient[] = [];
  /** Answers to requests, by method; a missing method rejects like MethodNotFound. */
  static handlers: Record<string, Handler> = {};
  static failStart: Error | undefined;

  state = State.Stopped;
  requests: { method: string; params: any }[] = [];
  notifications: { method: string; params: any }[] = [];
  progressHandlers = new Map<string | number, (value: any) => void>();
  private readonly stateEmitter = new EventEmitter<{ oldState: State; newState: State }>();
  onDidChangeState = this.stateEmitter.event;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly serverOptions: any,
    readonly clientOptions: any,
  ) {
    LanguageClient.instances.push(this);
  }

  static reset(): void {
    LanguageClient.instances = [];
    LanguageClient.handlers = {};
    LanguageClient.failStart = undefined;
  }

  private setState(newState: State): void {
    const oldState = this.state;
    this.state = newState;
    this.stateEmitter.fire({ oldState, newState });
  }

  async start(): Promise<void> {
    this.setState(State.Starting);
    if (LanguageClient.failStart) {
      this.setState(State.Stopped);
      throw LanguageClient.failStart;
    }
    this.setState(State.Running);
  }

  async stop(): Promise<void> {
    this.setState(State.Stopped);
  }

  async sendRequest(type: string | { method: string }, params: any, _token?: unknown): Promise<unknown> {
    const method = typeof type === 'string' ? type : type.method;
    this.requests.push({ method, params });
    const handler = LanguageClient.handlers[method];
    if (!handler) {
      throw Object.assign(new Error(`Unhandled method ${method}`), { code: -32601 });
    }
    return handler(params, this);
  }

  async sendNotification(type: string | { method: string }, params: any): Promise<void> {
    this.notifications.push({ method: typeof type === 'string' ? type : type.method, params });
  }

  features: any[] = [];
  notificationHandlers = new Map<string, (params: any) => void>();

  registerFeature(feature: any): void {
    this.features.push(feature);
  }

  onNotification(method: string, handler: (params: any) => void) {
    this.notificationHandlers.set(method, handler);
    return { dispose: () => this.notificationHandlers.delete(method) };
  }

  onProgress(_type: unknown, token: string | number, handler: (value: any) => void) {
    this.progressHandlers.set(token, handler);
    return { dispose: () => this.progressHandlers.delete(token) };
  }
}
