// Loaded by mocha before any test (.mocharc.json "require"): the `vscode` module exists only
// inside VS Code, and the real language client needs it, so both resolve to the fakes here.
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Module = require('module');

const REDIRECTS: Record<string, string> = {
  vscode: path.join(__dirname, 'vscode.js'),
  'vscode-languageclient/node': path.join(__dirname, 'languageclient.js'),
};

type Resolve = (request: string, ...rest: unknown[]) => string;
const mod = Module as unknown as { _resolveFilename: Resolve };
const original = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]): string {
  const target = REDIRECTS[request];
  return original.call(this, target ?? request, ...rest);
};
