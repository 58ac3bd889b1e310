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

  // INC 1.x (dialect D) schedules per epoch: d_train_loop.yaml's pruning.train.iteration (3 steps
  // an epoch) places step_N.pt at N / 3 epochs; its pruners' names are fc1/fc2 and fc3/head.
  it('draws an INC 1.x run by epoch, and lists a checkpoint of unknown epoch with its note', async () => {
    const config = path.join(REPO, 'tests', 'schedule', 'configs', 'd_train_loop.yaml');
    const plan = [
      { step: 3, ratio: 0.2, format: 'pt', seed: 0 },
      { step: 7, ratio: 0.5, format: 'pt', seed: 1 },
      { step: 12, ratio: 0.8, format: 'pt', seed: 2 },
    ];
    const dir = tempDir('run-1x');
    const run = path.join(dir, 'run');
    fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify({ checkpoints: plan, pause: 0, chunk_pause: 0 }));
    execFileSync(PYTHON!, [SIM, run, path.join(dir, 'plan.json')], { timeout: 120000 });
    const follow = async (cfg: string): Promise<[WatchStarted, WatchPoint[]]> => {
      const started = checked<WatchStarted>(
        'WatchStarted',
        await conn!.sendRequest('workspace/executeCommand', {
          command: WATCH_RUN,
          arguments: [{ runDir: run, uri: pathToFileURL(cfg).toString(), device: 'cpu', poll: 0.05 }],
        }),
        'the watchRun result',
      );
      const mine = () => messages.filter((m) => (m as WatchPointMessage).watchId === started.watchId);
      await until('a watch point per checkpoint', () => (mine().length >= plan.length ? true : undefined), 60000);
      await conn!.sendRequest('workspace/executeCommand', { command: STOP_WATCH, arguments: [{ watchId: started.watchId }] });
      return [started, mine().map((m) => checked<WatchPointMessage>('WatchPointMessage', m, `the ${WATCH_POINT} notification`))];
    };

    const [started, points] = await follow(config);
    // the CLI prints the same points for the same folder (the server runs the CLI's own code)
    const jsonl = execFileSync(PYTHON!, ['-m', 'prune_lsp', 'watch', run, '--config', config, '--format', 'jsonl',
      '--poll', '0.05', '--exit-when-idle', '1', '--chart', '-'], { timeout: 180000, encoding: 'utf8' });
    const lines = jsonl.trim().split('\n').map((l) => checked<WatchPoint>('WatchPoint', JSON.parse(l), 'a watch --format jsonl line'));
    const strip = (p: WatchPoint) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'seconds' && k !== 'watchId'));
    assert.deepStrictEqual(points.map(strip), lines.map(strip));
    assert.deepStrictEqual(started.schedule.map((s) => s.unit), ['epoch', 'epoch']);

    const html = renderWatchHtml(started, lines, { title: 'Watch: 1.x run' });
    const svg = renderWatchSvg(started, lines);
    assert.match(svg, /text-anchor="middle">epoch<\/text>/, 'the x-axis is in epochs');
    assert.strictEqual((svg.match(/<path class="schedule"/g) ?? []).length, 2);
    const dots = [...svg.matchAll(/<circle class="measured" data-pruner="(\d+)" data-step="(\d+)" data-x="([\d.]+)" cx="([\d.]+)"[^>]*><title>([^<]*)<\/title>/g)];
    assert.strictEqual(dots.length, plan.length * 2, svg); // both pruners measured at every checkpoint
    const first = dots.filter((d) => d[1] === '1');
    plan.forEach((ck, i) => {
      assert.strictEqual(first[i][2], String(ck.step));
      assert.strictEqual(Number(first[i][3]), lines[i].epoch, 'placed at the epochs done, not the step');
      assert.ok(Math.abs(Number(first[i][3]) - ck.step / 3) < 1e-12);
      assert.ok(first[i][5].startsWith(`measured pruner 1 at epoch ${Number.isInteger(ck.step / 3) ? ck.step / 3 : (ck.step / 3).toFixed(2)} (step ${ck.step})`), first[i][5]);
      assert.ok(first[i][5].includes(`${((Math.floor(ck.ratio * BLOCKS) / BLOCKS) * 100).toFixed(2)} %`), first[i][5]);
    });
    // the schedule's last update (epoch 2 of end_epoch 3) lies inside the axis, and the epoch-4
    // point at its right end: the scale is epochs (steps would put 12 far beyond the schedule)
    const xs = first.map((d) => Number(d[4]));
    assert.ok(xs[0] < xs[1] && xs[1] < xs[2], JSON.stringify(xs));
    assert.ok(xs[2] > 600, `epoch 4 at the right end of the axis (x ${xs[2]})`);
    assert.match(html, /<th>Epoch<\/th><th>Step<\/th>/);
    assert.match(html, /pruning\.train\.iteration/);

    // without pruning.train.iteration nothing places step_N.pt in epochs: listed, with the note, not drawn
    const blindConfig = path.join(dir, 'no_iteration.yaml');
    fs.writeFileSync(blindConfig, fs.readFileSync(config, 'utf8').replace('    iteration: 3\n', ''));
    const [blindStarted, blind] = await follow(blindConfig);
    assert.ok(blind.every((p) => p.epoch === null && p.notes.some((n) => n.includes('epoch unknown'))));
    const blindHtml = renderWatchHtml(blindStarted, blind);
    assert.strictEqual((blindHtml.match(/<circle/g) ?? []).length, 0, 'no point drawn at a guessed place');
    assert.strictEqual((blindHtml.match(/class="note">note: epoch unknown/g) ?? []).length, plan.length);
    assert.strictEqual((blindHtml.match(/<td class="num">unknown/g) ?? []).length, plan.length);
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
