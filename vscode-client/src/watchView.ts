// Renders a followed training run (the `prune-lsp.watchRun` answer and the `prune-lsp/watchPoint`
// notifications received so far, typed by generated/contract.ts) as a static HTML page: an inline
// SVG with INC's schedule per pruner (a step line: the ratio holds from each update on) and the
// measured checkpoints as dots over it, then a table of the points with the server's flags.
// The x-axis is the schedule's unit: optimizer steps for INC 2.x configs, epochs (done, a float:
// the point's `epoch`) for INC 1.x ones, whose pruners update their masks per epoch; a 1.x point
// whose epoch is unknown is listed with the server's note but not placed on the chart.
// No `vscode` import; the page has no scripts (the panel is re-rendered as points arrive).
import { WatchPoint, WatchSchedulePruner, WatchStarted } from './generated/contract';
import { escapeHtml, formatFigure, formatRatio } from './sparsityReport';

const COLORS = ['#3b82f6', '#f97316', '#22c55e', '#e11d48', '#a855f7', '#14b8a6', '#eab308', '#64748b'];
const W = 640;
const H = 300;
const PAD = { left: 48, right: 16, top: 16, bottom: 36 };

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function color(index: number): string {
  return COLORS[(((index - 1) % COLORS.length) + COLORS.length) % COLORS.length];
}

/** "epoch" when the schedule counts epochs (INC 1.x), else "step". */
export function scheduleUnit(started: WatchStarted): string {
  const scheds = Array.isArray(started.schedule) ? started.schedule : [];
  return scheds.find((s) => typeof s.unit === 'string')?.unit === 'epoch' ? 'epoch' : 'step';
}

/** Where a checkpoint sits on the chart's x-axis (null: unknown, not drawn). */
function xOf(p: WatchPoint, unit: string): number | null {
  const v = unit === 'epoch' ? p.epoch : p.step;
  return isNum(v) ? v : null;
}

function formatX(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** The schedule as [step (or epoch), ratio] pairs, valid ones only. */
function targets(s: WatchSchedulePruner): [number, number][] {
  return (Array.isArray(s.targets) ? s.targets : []).filter(
    (t): t is [number, number] => Array.isArray(t) && isNum(t[0]) && isNum(t[1]),
  );
}

/** The inline SVG: schedule step lines per pruner and measured points (one <circle> each). */
export function renderWatchSvg(started: WatchStarted, points: WatchPoint[]): string {
  const scheds = Array.isArray(started.schedule) ? started.schedule : [];
  const unit = scheduleUnit(started);
  const measured: { x: number; step: number | null; ratio: number; index: number; path: string }[] = [];
  for (const p of points) {
    const px = xOf(p, unit);
    if (px === null) {
      continue;
    }
    for (const q of Array.isArray(p.pruners) ? p.pruners : []) {
      if (isNum(q.measured)) {
        measured.push({ x: px, step: isNum(p.step) ? p.step : null, ratio: q.measured, index: q.index, path: p.path });
      }
    }
  }
  const xmax = Math.ceil(Math.max(1, ...scheds.flatMap((s) => targets(s).map((t) => t[0] + 1)), ...measured.map((m) => m.x)));
  const ymax = Math.min(1, Math.max(0.1, ...scheds.flatMap((s) => targets(s).map((t) => t[1])), ...measured.map((m) => m.ratio)) * 1.1);
  const x = (step: number) => PAD.left + (step / xmax) * (W - PAD.left - PAD.right);
  const y = (ratio: number) => H - PAD.bottom - (ratio / ymax) * (H - PAD.top - PAD.bottom);
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(`<svg id="watch-chart" xmlns="http://www.w3.org/2000/svg" width="100%" style="max-width: ${W}px" viewBox="0 0 ${W} ${H}" role="img" aria-label="measured sparsity over INC's schedule">`);
  // axes and grid
  for (let i = 0; i <= 4; i++) {
    const r = (ymax * i) / 4;
    out.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(r))}" y2="${f(y(r))}"/>`);
    out.push(`<text class="axis" x="${PAD.left - 6}" y="${f(y(r) + 4)}" text-anchor="end">${Math.round(r * 100)}%</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const s = Math.round((xmax * i) / 4);
    out.push(`<text class="axis" x="${f(x(s))}" y="${H - PAD.bottom + 16}" text-anchor="middle">${s}</text>`);
  }
  out.push(`<text class="axis" x="${(W + PAD.left) / 2}" y="${H - 4}" text-anchor="middle">${escapeHtml(unit)}</text>`);
  // schedules: the ratio holds from each update's step on
  for (const s of scheds) {
    const ts = targets(s);
    if (!ts.length) {
      continue;
    }
    let d = `M${f(x(0))},${f(y(0))}`;
    let last = 0;
    for (const [step, ratio] of ts) {
      d += ` L${f(x(step))},${f(y(last))} L${f(x(step))},${f(y(ratio))}`;
      last = ratio;
    }
    d += ` L${f(x(xmax))},${f(y(last))}`;
    out.push(`<path class="schedule" data-pruner="${s.index}" d="${d}" stroke="${color(s.index)}"><title>schedule of pruner ${s.index}</title></path>`);
  }
  for (const m of measured) {
    const where = unit === 'epoch' ? `epoch ${formatX(m.x)}` + (m.step !== null ? ` (step ${m.step})` : '') : `step ${m.step}`;
    out.push(
      `<circle class="measured" data-pruner="${m.index}" data-step="${m.step ?? ''}" data-x="${m.x}" cx="${f(x(m.x))}" cy="${f(y(m.ratio))}" r="4" fill="${color(m.index)}">` +
        `<title>measured pruner ${m.index} at ${where}: ${formatRatio(m.ratio)} (${escapeHtml(m.path)})</title></circle>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

export interface WatchRenderOptions {
  cspSource?: string;
  title?: string;
  /** "watching" while the server follows the folder; "stopped" once it does not. */
  state?: string;
}

export function renderWatchHtml(started: WatchStarted, points: WatchPoint[], opts: WatchRenderOptions = {}): string {
  const title = opts.title ?? 'Training run';
  const scheds = Array.isArray(started.schedule) ? started.schedule : [];
  const byEpoch = scheduleUnit(started) === 'epoch';
  const legend = scheds
    .map((s) => `<li><span class="swatch" style="background:${color(s.index)}"></span>pruner ${s.index}: ${escapeHtml(s.label ?? '')}` +
      (s.error ? ` <span class="bad">(${escapeHtml(s.error)})</span>` : '') + '</li>')
    .join('');
  const rows = points.map((p) => {
    const pr = Array.isArray(p.pruners) ? p.pruners : [];
    const cells = pr.map((q) => `${q.index}: ${formatFigure(q.measured)}` + (isNum(q.scheduled) ? ` (schedule ${formatRatio(q.scheduled)})` : '')).join('<br>');
    const flags = p.error ? `could not be measured: ${escapeHtml(p.error)}` : pr.flatMap((q) => (q.flags ?? []).map((fl) => `${q.index}: ${escapeHtml(fl)}`)).join('<br>');
    const notes = (Array.isArray(p.notes) ? p.notes : []).map((n) => `<br><span class="note">note: ${escapeHtml(n)}</span>`).join('');
    const epoch = byEpoch
      ? `<td class="num">${isNum(p.epoch) ? formatX(p.epoch) : 'unknown'}` +
        (typeof p.epoch_source === 'string' ? `<br><span class="hint">${escapeHtml(p.epoch_source)}</span>` : '') + '</td>'
      : '';
    const total = byEpoch && isNum(p.inc_1x?.total_sparsity) ? `<br><span class="hint">INC 1.x total ${formatRatio(p.inc_1x?.total_sparsity)}</span>` : '';
    return `<tr${flags ? ' class="flagged"' : ''}>${epoch}<td class="num">${isNum(p.step) ? p.step : '?'}</td><td><code>${escapeHtml(p.path)}</code>${notes}</td><td>${cells}${total}</td><td>${flags || (notes ? '' : 'ok')}</td></tr>`;
  });
  const notes = (Array.isArray(started.notes) ? started.notes : []).map((n) => `<li>${escapeHtml(n)}</li>`).join('');
  const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${opts.cspSource ? `${opts.cspSource} ` : ''}'unsafe-inline';">`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
${csp}
<title>${escapeHtml(title)}</title>
<style>
body { font-family: var(--vscode-font-family, sans-serif); color: var(--vscode-foreground); padding: 0 1em 2em; }
.meta, .hint { color: var(--vscode-descriptionForeground); }
svg .grid { stroke: var(--vscode-panel-border, #8884); stroke-width: 1; }
svg .axis { fill: var(--vscode-descriptionForeground, #888); font-size: 11px; }
svg .schedule { fill: none; stroke-width: 2; opacity: 0.8; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { padding: 2px 10px; border-bottom: 1px solid var(--vscode-panel-border, #8884); text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged td { color: var(--vscode-editorWarning-foreground, #b80); }
.bad { color: var(--vscode-errorForeground, #c33); }
.note { color: var(--vscode-editorWarning-foreground, #b80); }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; }
ul.legend { list-style: none; padding: 0; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Run folder: <code>${escapeHtml(started.runDir)}</code> &nbsp;·&nbsp; Config: <code>${escapeHtml(started.config ?? 'none (INC\'s default pruner, no schedule)')}</code>
 &nbsp;·&nbsp; <span id="watch-state">${escapeHtml(opts.state ?? 'watching')}</span>, <span id="watch-count">${points.length}</span> checkpoint(s)</p>
${renderWatchSvg(started, points)}
<ul class="legend">${legend}</ul>
${notes ? `<ul id="watch-notes" class="hint">${notes}</ul>` : ''}
<table id="watch-points">
<thead><tr>${byEpoch ? '<th>Epoch</th>' : ''}<th>Step</th><th>Checkpoint</th><th>Measured per pruner</th><th>Flags</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<p class="hint">Lines: the ratio INC's pruners aim at from each mask update on. Dots: the sparsity measured in each checkpoint, at ${byEpoch ? 'the epochs done when it was written (INC 1.x prunes per epoch)' : 'its step'}.</p>
</body>
</html>
`;
}
