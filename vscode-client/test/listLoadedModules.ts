// Run as a separate Node process by packaging.test.ts: loads the esbuild bundle (only `vscode` is
// faked, by a proxy that answers any member with an empty class) and prints every file that
// loading pulled in, relative to the extension root: the bundle alone when nothing is left out.
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Module = require('module');

const root = path.resolve(__dirname, '..', '..');
const fakeVscode = path.join(__dirname, 'fakeVscodeProxy.js');
type Resolve = (request: string, ...rest: unknown[]) => string;
const mod = Module as unknown as { _resolveFilename: Resolve; _cache: Record<string, unknown> };
const original = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]): string {
  return original.call(this, request === 'vscode' ? fakeVscode : request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(root, 'dist', 'extension.js'));
const loaded = Object.keys(mod._cache)
  .filter((f) => f !== fakeVscode && f !== __filename)
  .map((f) => path.relative(root, f).split(path.sep).join('/'));
process.stdout.write(JSON.stringify(loaded));
