// The install offer: `python -m pip install prune-lsp` into the interpreter the extension found
// without prune-lsp, with a cancellable progress notification, pip's output in the Prune LSP
// output, and pip's own error message shown when it fails.
import { spawn } from 'child_process';
import * as vscode from 'vscode';
import { Interpreter, pythonEnvironment } from './launch';

/** What pip installs: PyPI's prune-lsp, or PRUNE_LSP_INSTALL_SPEC (a wheel, a checkout, a git URL). */
export function installSpec(env: NodeJS.ProcessEnv = process.env): string {
  const spec = env.PRUNE_LSP_INSTALL_SPEC?.trim();
  return spec ? spec : 'prune-lsp';
}

/** pip's most telling line: its `ERROR:`/`error:` line, else the last non-empty one. */
export function pipError(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const err = lines.find((l) => /^error:|^ERROR:/.test(l));
  return err ?? lines[lines.length - 1] ?? 'pip failed';
}

export async function installServer(
  interpreter: Interpreter,
  spec: string,
  cwd: string,
  output: vscode.LogOutputChannel,
): Promise<boolean> {
  const [command, ...rest] = interpreter.command;
  const args = [...rest, '-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', spec];
  output.info(`Installing: ${command} ${args.join(' ')}`);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Prune LSP: installing ${spec}`, cancellable: true },
    (progress, token) =>
      new Promise<{ code: number | null; text: string; cancelled: boolean }>((resolve) => {
        let text = '';
        let cancelled = false;
        const proc = spawn(command, args, { cwd, env: pythonEnvironment(), windowsHide: true });
        const onData = (d: Buffer) => {
          const chunk = String(d);
          text += chunk;
          for (const line of chunk.split(/\r?\n/).filter((l) => l.trim() !== '')) {
            output.info(`pip: ${line}`);
            progress.report({ message: line.length > 80 ? `${line.slice(0, 77)}...` : line });
          }
        };
        proc.stdout.on('data', onData);
        proc.stderr.on('data', onData);
        token.onCancellationRequested(() => {
          cancelled = true;
          proc.kill();
        });
        proc.on('error', (e) => resolve({ code: null, text: `${text}\nerror: ${e.message}`, cancelled }));
        proc.on('close', (code) => resolve({ code, text, cancelled }));
      }),
  );
  if (result.cancelled) {
    void vscode.window.showInformationMessage('Prune LSP: the installation was cancelled.');
    return false;
  }
  if (result.code !== 0) {
    const why = pipError(result.text);
    output.error(`pip install ${spec} failed (exit status ${result.code}): ${why}`);
    void vscode.window
      .showErrorMessage(`Prune LSP: pip could not install ${spec}: ${why}`, 'Show Output')
      .then((c) => (c === 'Show Output' ? output.show() : undefined));
    return false;
  }
  output.info(`Installed ${spec}; starting the server.`);
  void vscode.window.showInformationMessage(`Prune LSP: installed ${spec}; the server is starting.`);
  return true;
}
