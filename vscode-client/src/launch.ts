// How the extension finds a Python interpreter and starts the prune-lsp server with it.
// This module must not import `vscode`: the tests run it under plain Node and use it to
// start the real server, so what they exercise is exactly what the extension runs.
import { execFile } from 'child_process';
import * as os from 'os';

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface Interpreter {
  /** argv prefix: the executable first, then any fixed arguments (e.g. `conda run -n env python`). */
  command: string[];
  source: InterpreterSource;
}

export interface ResolveOptions {
  /** The raw value of `pruneLsp.interpreter` (string or array of strings; anything else is ignored). */
  setting: unknown;
  /** The active environment's executable reported by the Python extension, if any. */
  pythonExtensionPath?: string;
  workspaceFolder?: string;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_PYTHON = 'python3';

/** Expands `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~` like VS Code's own settings. */
export function expandVariables(value: string, workspaceFolder?: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([^}]+))\}/g, (whole, name: string, envName?: string) => {
    if (name === 'workspaceFolder') {
      return workspaceFolder ?? whole;
    }
    if (name === 'userHome') {
      return os.homedir();
    }
    return env[envName ?? ''] ?? '';
  });
  if (out === '~' || out.startsWith('~/')) {
    out = os.homedir() + out.slice(1);
  }
  return out;
}

/**
 * Turns the setting into an argv prefix, or undefined when it is unset or unusable.
 * A string is one path (it may contain spaces, so it is never split); an array is taken as argv.
 */
export function interpreterFromSetting(value: unknown, workspaceFolder?: string, env?: NodeJS.ProcessEnv): string[] | undefined {
  let parts: string[];
  if (typeof value === 'string') {
    parts = [value];
  } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    parts = value as string[];
  } else {
    return undefined;
  }
  parts = parts.map((p) => expandVariables(p.trim(), workspaceFolder, env));
  if (parts.length === 0 || parts[0] === '') {
    return undefined;
  }
  return parts;
}

/** Setting first, then the Python extension's active environment, then `python3` on PATH. */
export function resolveInterpreter(opts: ResolveOptions): Interpreter {
  const fromSetting = interpreterFromSetting(opts.setting, opts.workspaceFolder, opts.env);
  if (fromSetting) {
    return { command: fromSetting, source: 'setting' };
  }
  if (opts.pythonExtensionPath && opts.pythonExtensionPath.trim() !== '') {
    return { command: [opts.pythonExtensionPath], source: 'python-extension' };
  }
  return { command: [DEFAULT_PYTHON], source: 'default' };
}

export interface ServerCommand {
  command: string;
  args: string[];
}

/** `python -m lsp_server`, speaking LSP over stdio. */
export function serverCommand(interpreter: Interpreter): ServerCommand {
  const [command, ...rest] = interpreter.command;
  return { command, args: [...rest, '-m', 'lsp_server'] };
}

/**
 * The environment for every Python process we start. PYTHONSAFEPATH (3.11+) keeps the working
 * directory off sys.path, so a folder named `analysis` or `lsp_server` in the user's project can
 * never shadow prune-lsp's own packages; callers also run Python from a folder of their own.
 */
export function pythonEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, PYTHONSAFEPATH: '1', PYTHONUNBUFFERED: '1' };
}

export interface PythonResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be started at all (ENOENT, EACCES) or was killed by the timeout. */
  error?: string;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  maxBuffer?: number;
}

/** Runs the interpreter with extra arguments; never rejects, so callers only inspect the result. */
export function runPython(interpreter: Interpreter, args: string[], opts: RunOptions = {}): Promise<PythonResult> {
  const [command, ...rest] = interpreter.command;
  return new Promise((resolve) => {
    execFile(
      command,
      [...rest, ...args],
      {
        timeout: opts.timeoutMs ?? 20000,
        cwd: opts.cwd,
        env: opts.env ?? pythonEnvironment(),
        maxBuffer: opts.maxBuffer ?? 16 * 1024 * 1024,
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        const result: PythonResult = { code: 0, stdout: String(stdout), stderr: String(stderr) };
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: string | null };
          if (typeof e.code === 'number') {
            result.code = e.code;
          } else {
            result.code = null;
            result.error = e.killed || e.signal
              ? `timed out or killed (${e.signal ?? 'SIGTERM'}) after ${opts.timeoutMs ?? 20000} ms`
              : `${e.code ?? ''} ${e.message}`.trim();
          }
        }
        resolve(result);
      },
    );
  });
}

// Printed as one JSON line so that noise from sitecustomize or warnings on stdout cannot confuse it.
const IMPORT_CHECK = [
  'import json, sys',
  'try:',
  '    import lsp_server',
  'except BaseException as e:',
  '    sys.stderr.write("%s: %s\\n" % (type(e).__name__, e)); sys.exit(3)',
  'import importlib.util',
  'if importlib.util.find_spec("lsp_server.__main__") is None:',
  '    sys.stderr.write("lsp_server has no __main__ module (an old or broken prune-lsp)\\n"); sys.exit(3)',
  'try:',
  '    from importlib.metadata import version; v = version("prune-lsp")',
  'except Exception:',
  '    v = None',
  'print("PRUNE_LSP_CHECK " + json.dumps({"version": v, "executable": sys.executable,',
  '      "python": "%d.%d.%d" % tuple(sys.version_info[:3])}))',
].join('\n');

export type ImportCheck =
  | { ok: true; version: string | null; executable: string; python: string }
  | { ok: false; reason: string; /** the interpreter itself ran (so pip can install into it) */ pythonRan?: boolean };

/** Whether `import lsp_server` works in this interpreter, and which prune-lsp version it finds. */
export async function checkImportable(interpreter: Interpreter, opts: RunOptions = {}): Promise<ImportCheck> {
  const r = await runPython(interpreter, ['-c', IMPORT_CHECK], opts);
  if (r.error) {
    return { ok: false, reason: `could not run ${interpreter.command.join(' ')}: ${r.error}` };
  }
  const line = r.stdout.split(/\r?\n/).find((l) => l.startsWith('PRUNE_LSP_CHECK '));
  if (r.code !== 0 || !line) {
    const why = lastLine(r.stderr) || `exit status ${r.code}`;
    return { ok: false, reason: `prune-lsp is not importable in ${interpreter.command.join(' ')} (${why})`, pythonRan: true };
  }
  try {
    const info = JSON.parse(line.slice('PRUNE_LSP_CHECK '.length)) as { version: string | null; executable: string; python: string };
    return { ok: true, version: info.version, executable: info.executable, python: info.python };
  } catch {
    return { ok: false, reason: `unexpected answer from ${interpreter.command.join(' ')}: ${line}` };
  }
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  return lines.length ? lines[lines.length - 1] : '';
}

// The `prune-lsp` console script may not be on PATH (e.g. a venv that is not activated), so the
// CLI is reached through the interpreter itself; main() reads sys.argv like the console script.
const CLI_MAIN = 'import sys; from prune_lsp.main import main; sys.exit(main())';

/** Runs `prune-lsp ARGS...` with this interpreter. */
export function runCli(interpreter: Interpreter, cliArgs: string[], opts: RunOptions = {}): Promise<PythonResult> {
  return runPython(interpreter, ['-c', CLI_MAIN, ...cliArgs], opts);
}

export const SCHEMA_DIALECTS = ['v2', 'pytorch', '1.x'] as const;
export type SchemaDialect = (typeof SCHEMA_DIALECTS)[number];

/** `prune-lsp schema --dialect D`, parsed; throws with the CLI's one-line message when it fails. */
export async function exportSchema(interpreter: Interpreter, dialect: SchemaDialect, opts: RunOptions = {}): Promise<object> {
  const r = await runCli(interpreter, ['schema', '--dialect', dialect], opts);
  if (r.error || r.code !== 0) {
    throw new Error(`prune-lsp schema --dialect ${dialect} failed: ${r.error ?? (lastLine(r.stderr) || `exit status ${r.code}`)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch (e) {
    throw new Error(`prune-lsp schema --dialect ${dialect} did not print JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`prune-lsp schema --dialect ${dialect} printed JSON that is not a schema object`);
  }
  return parsed;
}
