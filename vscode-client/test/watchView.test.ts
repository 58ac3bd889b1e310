// The watch view (src/watchView.ts) drawn from the REAL server's messages: the extension's launch
// code starts prune-lsp, declares the experimental capability as the extension does, and follows a
// simulated training run (tests/watch/sim_training.py writes checkpoints with known sparsity at
// known steps); every `prune-lsp/watchPoint` must pass the contract check the extension runs, and
// the chart must hold one dot per measured pruner and checkpoint at its step and ratio, over one
// schedule line per pruner. Shutdown with the watch running exits cleanly.
import * as assert from 'assert';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { checked } from '../src/contract';
import { STOP_WATCH, WATCH_CAPABILITY, WATCH_POINT, WATCH_RUN, WatchPoint, WatchPointMessage, WatchStarted } from '../src/generated/contract';
import { pythonEnvironment, resolveInterpreter, serverCommand } from '../src/launch';
import { toServerSettings } from '../src/serverSettings';
import { renderWatchHtml, renderWatchSvg } from '../src/watchView';
import { tempDir } from './helpers';

const PYTHON = process.env.PRUNE_LSP_PYTHON;
const REPO = path.resolve(__dirname, '..', '..', '..');
const CONFIG = path.join(REPO, 'tests', 'schedule', 'configs', 'b_exp_div.yaml');
const SIM = path.join(REPO, 'tests', 'watch', 'sim_training.py');
const PLAN = [
  { step: 7, ratio: 0.0, format: 'hf', seed: 0 },
  { step: 11, ratio: 0.3, format: 'pt', seed: 1 },
  { step: 15, ratio: 0.55, format: 'hf', seed: 2 },
];
const BLOCKS = 16 * 64; // 4x1 blocks of one 64x64 layer (sim_training.py)

function until<T>(what: string, get: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = get();
      if (v !== undefined) {
        resolve(v);
      } else if (Date.now() > end) {
        reject(new Error(`${what}: not within ${ms} ms`));
      } else {
        setTimeout(tick, 50);
      }
    };
    tick();
  });
}

describe('watch view of a run followed by the real server (PRUNE_LSP_PYTHON)', function () {
  this.timeout(180000);
  let proc: ChildProcess | undefined;
  let conn: MessageConnection | undefined;
  let stderr = '';
  const messages: unknown[] = [];

  before(async function () {
    const skip = (why: string) => {
      // eslint-disable-next-line no-console
      console.log(`      (skipped: ${why})`);
      this.skip();
    };
    if (!PYTHON) {
      return skip('set PRUNE_LSP_PYTHON to a Python with prune-lsp installed, e.g. /work/main/.venv/bin/python');
    }
    if (!fs.existsSync(SIM) || !fs.existsSync(CONFIG)) {
      return skip(`needs the repository's tests/ (${SIM})`);
    }
    try {
      execFileSync(PYTHON, ['-c', 'import torch, safetensors'], { timeout: 120000 });
    } catch {
      return skip('PRUNE_LSP_PYTHON has no torch/safetensors to write the simulated run (bash scripts/setup_venv.sh full)');
    }
    const workDir = tempDir('watch-server');
    const { command, args } = serverCommand(resolveInterpreter({ setting: PYTHON }));
    proc = spawn(command, args, { cwd: workDir, env: pythonEnvironment(), stdio: ['pipe', 'pipe', 'pipe'] });
    proc.stderr!.on('data', (d) => (stderr += String(d)));
    conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
    conn.onRequest('client/registerCapability', () => null);
    conn.onNotification(WATCH_POINT, (p: unknown) => messages.push(p));
    conn.listen();
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: { experimental: { [WATCH_CAPABILITY]: true } },
      initializationOptions: toServerSettings({ debounceMs: 0 }),
    });
    await conn.sendNotification('initialized', {});
  });

  after(() => {
    conn?.dispose();
    if (proc && proc.exitCode === null) {
      proc.kill();
    }
  });

  it('draws each checkpoint as a dot at its step and sparsity over the schedule, live', async () => {
    const dir = tempDir('run');
    const run = path.join(dir, 'run');
    fs.mkdirSync(run);
    const started = checked<WatchStarted>(
      'WatchStarted',
      await conn!.sendRequest('workspace/executeCommand', {
        command: WATCH_RUN,
        arguments: [{ runDir: run, uri: pathToFileURL(CONFIG).toString(), device: 'cpu', poll: 0.05 }],
      }),
      'the watchRun result',
    );
    assert.strictEqual(started.schedule.length, 1);
    const before = renderWatchSvg(started, []);
    assert.strictEqual((before.match(/<path class="schedule"/g) ?? []).length, 1, 'one schedule line per pruner');
    assert.strictEqual((before.match(/<circle/g) ?? []).length, 0);

    fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify({ checkpoints: PLAN, pause: 0.2, chunk_pause: 0.1 }));
    execFileSync(PYTHON!, [SIM, run, path.join(dir, 'plan.json')], { timeout: 120000 });
    await until('a watch point per checkpoint', () => (messages.length >= PLAN.length ? true : undefined), 60000);
    const points: WatchPoint[] = messages.map((m) => {
      const msg = checked<WatchPointMessage>('WatchPointMessage', m, `the ${WATCH_POINT} notification`);
      assert.strictEqual(msg.watchId, started.watchId);
      return msg;
    });
    assert.deepStrictEqual(points.map((p) => p.step), PLAN.map((p) => p.step));

    const html = renderWatchHtml(started, points, { title: 'Watch: run' });
    const dots = [...html.matchAll(/<circle class="measured" data-pruner="(\d+)" data-step="(\d+)"[^>]*><title>([^<]*)<\/title>/g)];
    assert.strictEqual(dots.length, PLAN.length, html);
    PLAN.forEach((ck, i) => {
      const written = Math.floor(ck.ratio * BLOCKS) / BLOCKS;
      assert.strictEqual(dots[i][2], String(ck.step));
      assert.ok(dots[i][3].includes(`${(written * 100).toFixed(2)} %`), dots[i][3]);
    });
    // the dots are placed in order along x (steps) and y grows with the sparsity written
    const cx = [...html.matchAll(/<circle[^>]* cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.ok(cx[0][0] < cx[1][0] && cx[1][0] < cx[2][0], JSON.stringify(cx));
    assert.ok(cx[0][1] > cx[1][1] && cx[1][1] > cx[2][1], JSON.stringify(cx)); // SVG y points down
    const rows = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>')).match(/<tr/g) ?? [];
    assert.strictEqual(rows.length, PLAN.length);
    assert.match(html, /<span id="watch-count">3<\/span>/);

    const stop = (await conn!.sendRequest('workspace/executeCommand', {
      command: STOP_WATCH,
      arguments: [{ watchId: started.watchId }],
    })) as { stopped: boolean };
    assert.deepStrictEqual(stop, { stopped: true });
  });

  it('shuts down and exits cleanly with a watch running', async function () {
    if (!conn) {
      this.skip();
    }
    const run = tempDir('idle-run');
    await conn!.sendRequest('workspace/executeCommand', { command: WATCH_RUN, arguments: [{ runDir: run, poll: 0.05 }] });
    const exited = new Promise<number | null>((resolve) => proc!.once('exit', (code) => resolve(code)));
    await conn!.sendRequest('shutdown');
    await conn!.sendNotification('exit');
    assert.strictEqual(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 10000))]), 0, stderr);
  });
});
