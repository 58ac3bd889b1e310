// Renders the result of the server command `prune-lsp.computeSparsity` (the object printed by
// `prune-lsp sparsity --format json`, typed by generated/contract.ts) as a static HTML page for a
// webview: every figure the CLI prints, in the same sections. No `vscode` import.
// The caller checks the result against the contract first (contract.ts); the renderer still never
// throws on odd values: keys added on the server side show in "Other", and every string from the
// result is HTML-escaped (layer names and paths come from user files).
import { LayerRow, Note, PrunerReport, SparsityReport } from './generated/contract';

/** How far below its target a pruned layer may be before it is flagged (rounding in INC's masks). */
export const TARGET_TOLERANCE = 0.005;

const DASH = '—';
/** What a figure that needs an unread weight shows (the CLI prints the same word). */
export const UNREAD = 'unread';

const KNOWN_KEYS = new Set([
  'version', 'model', 'framework', 'device', 'backend', 'config', 'inc', 'selected', 'figures',
  'pruners', 'layers', 'totals', 'notes', 'unread_selected', 'figures_unread', 'step',
]);

const THREE = [
  ['elementwise_over_matmul_gemm_conv', 'Elementwise over MatMul/Gemm/Conv weights'],
  ['elementwise_over_all', 'Elementwise over all parameters'],
  ['blockwise_over_matmul_gemm_conv', 'Blockwise over MatMul/Gemm/Conv weights'],
] as const;

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A ratio in [0, 1] as a percentage with two decimals: 0.5 -> "50.00 %"; anything else "—". */
export function formatRatio(v: unknown): string {
  return isNum(v) ? `${(v * 100).toFixed(2)} %` : DASH;
}

/** A measured figure: null means the server could not read a weight it needs ("unread"). */
export function formatFigure(v: unknown): string {
  return v === null ? UNREAD : formatRatio(v);
}

/** Integers with thousands separators: 1234567 -> "1,234,567". */
export function formatCount(v: unknown): string {
  return isNum(v) ? Math.round(v).toLocaleString('en-US') : DASH;
}

/** A target as the config wrote it: a ratio as a percentage, anything else as text. */
export function formatTarget(v: unknown): string {
  if (isNum(v)) {
    return formatRatio(v);
  }
  return v === null || v === undefined || v === '' ? DASH : escapeHtml(v);
}

function formatShape(v: unknown): string {
  const shape = asArray(v);
  return shape.length ? shape.map((d) => (isNum(d) ? String(d) : '?')).join(' × ') : DASH;
}

function text(v: unknown): string {
  return v === null || v === undefined || v === '' ? DASH : escapeHtml(v);
}

function table(id: string, headers: string[], rows: string[][], numericFrom = 1, rowClasses: string[] = []): string {
  const head = headers.map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''}>${h}</th>`).join('');
  const body = rows
    .map((cells, r) => {
      const cls = rowClasses[r] ? ` class="${rowClasses[r]}"` : '';
      return `<tr${cls}>${cells.map((c, i) => `<td${i >= numericFrom ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table id="${id}">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Whether a measured ratio is below its target (beyond INC's rounding). */
export function belowTarget(actual: unknown, target: unknown): boolean {
  return isNum(actual) && isNum(target) && actual + TARGET_TOLERANCE < target;
}

/** A layer whose weight the server could not read ("read": false, or an "error" reason). */
export function isUnread(l: Partial<LayerRow> | Record<string, unknown>): boolean {
  return l.read === false || (typeof l.error === 'string' && l.error !== '');
}

/** A pruner's measured sparsity: elementwise over the layers it selects (what the lenses show). */
export function prunerMeasured(p: Partial<PrunerReport>): unknown {
  return asObject(p.selected).elementwise_over_matmul_gemm_conv;
}

/**
 * "now X of Y, schedule expects Z at step S": the sparsity lens's line, when the server's result
 * carries the checkpoint's step and the pruner's scheduled ratio; undefined otherwise.
 */
export function scheduleLine(p: Partial<PrunerReport>, step: unknown): string | undefined {
  if (!isNum(step) || !isNum(p.scheduled)) {
    return undefined;
  }
  const target = isNum(p.target_sparsity) ? ` of ${formatRatio(p.target_sparsity)}` : '';
  const unit = typeof p.schedule_unit === 'string' ? p.schedule_unit : 'step';
  return `now ${formatFigure(prunerMeasured(p))}${target}, schedule expects ${formatRatio(p.scheduled)} at ${unit} ${step}`;
}

/** The 1-based pruner number the CLI prints (`pruner_index` + 1; INC's default pruner is 1). */
export function prunerNumber(index: unknown): string {
  return isNum(index) ? String(index + 1) : '1';
}

function noteText(n: unknown): string {
  if (typeof n === 'string') {
    return escapeHtml(n);
  }
  const o = asObject(n as Note);
  const code = typeof o.code === 'string' && o.code ? `<span class="code">[${escapeHtml(o.code)}]</span> ` : '';
  return code + escapeHtml(typeof o.message === 'string' ? o.message : JSON.stringify(n));
}

function totalLabel(key: string): string {
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function totalValue(key: string, v: unknown): string {
  if (typeof v === 'boolean') {
    return v ? 'yes' : 'no';
  }
  if (Array.isArray(v)) {
    return v.length ? v.map((x) => `<code>${escapeHtml(x)}</code>`).join(', ') : DASH;
  }
  if (/sparsity|ratio/.test(key)) {
    return formatFigure(v);
  }
  if (isNum(v)) {
    return formatCount(v) + (key.startsWith('bytes') ? ' bytes' : '');
  }
  return text(v);
}

export interface RenderOptions {
  /** The webview's CSP source; the page has no scripts, only inline styles. */
  cspSource?: string;
  title?: string;
}

export function renderSparsityHtml(result: SparsityReport | unknown, opts: RenderOptions = {}): string {
  const r = asObject(result);
  const inc = asObject(r.inc);
  const selected = asObject(r.selected);
  const figures = asObject(r.figures);
  const figInc = asObject(figures.inc);
  const figSel = asObject(figures.selected);
  const figModel = asObject(figures.model);
  const pruners = asArray(r.pruners).map(asObject) as Partial<PrunerReport>[];
  const layers = asArray(r.layers).map(asObject) as Partial<LayerRow>[];
  const totals = asObject(r.totals);
  const notes = asArray(r.notes);
  const unreadSelected = asArray(r.unread_selected);
  const sections: string[] = [];

  const title = opts.title ?? 'Sparsity';
  sections.push(`<h1>${escapeHtml(title)}</h1>`);
  sections.push(
    `<p class="meta">Model: <code>${text(r.model)}</code> (${text(r.framework)}) &nbsp;·&nbsp; ` +
      `Config: <code>${text(r.config)}</code> &nbsp;·&nbsp; Device: <code>${text(r.device)}</code>` +
      (r.backend ? ` (${text(r.backend)})` : '') + '</p>',
  );
  if (unreadSelected.length) {
    sections.push(
      `<p class="warning" id="unread-selected">${unreadSelected.length} selected weight(s) could not be read: ` +
        `${unreadSelected.map((n) => `<code>${escapeHtml(n)}</code>`).join(', ')}. Their sparsity is unknown; ` +
        'figures that need them say "unread".</p>',
    );
  }

  sections.push('<h2>Sparsity figures</h2>');
  sections.push(
    '<p class="hint">"What INC logs": the three figures of INC\'s <code>get_sparsity_ratio</code>, with INC\'s own ' +
      'denominators. "True, selected layers": the same over the layers the config selects. "Whole model": every weight.</p>',
  );
  const modelCol = (key: string) => (key in figModel ? formatFigure(figModel[key]) : DASH);
  sections.push(
    table(
      'figures',
      ['Figure', 'What INC logs', 'True, selected layers', 'Whole model'],
      [
        ...THREE.map(([key, label]) => [label, formatFigure(inc[key]), formatFigure(selected[key]), modelCol(key)]),
        ['Zero weights counted', formatCount(figInc.element_zeros), formatCount(figSel.element_zeros), DASH],
        ['Weights in pruned pattern positions', formatCount(figInc.pattern_zeros), formatCount(figSel.pattern_zeros), DASH],
        ['MatMul/Gemm/Conv weights', formatCount(figInc.matmul_gemm_conv_weights), DASH, formatCount(figModel.matmul_gemm_conv_weights)],
        ['Selected weights', DASH, formatCount(figSel.selected_weights), DASH],
        ['All parameters', formatCount(figInc.all_parameters), formatCount(figSel.all_parameters), formatCount(figModel.all_parameters)],
      ],
    ),
  );

  sections.push(`<h2>Pruners (${pruners.length})</h2>`);
  if (pruners.length) {
    const classes: string[] = [];
    const rows = pruners.map((p) => {
      const pInc = asObject(p.inc);
      const pSel = asObject(p.selected);
      const measured = prunerMeasured(p);
      const low = belowTarget(measured, p.target_sparsity);
      classes.push(low ? 'below' : '');
      const invalid = asArray(p.invalid_layers).length;
      return [
        prunerNumber(p.index),
        text(p.label),
        text(p.pattern),
        text(p.pruning_type),
        formatTarget(p.target_sparsity),
        formatFigure(measured),
        `${formatCount(asArray(p.layers).length)}${invalid ? ` (${invalid} invalid)` : ''}`,
        formatFigure(pInc.elementwise_over_matmul_gemm_conv),
        formatFigure(pInc.elementwise_over_all),
        formatFigure(pInc.blockwise_over_matmul_gemm_conv),
        formatFigure(pSel.blockwise_over_matmul_gemm_conv),
        low ? 'below target' : isNum(measured) && isNum(p.target_sparsity) ? 'ok' : measured === null ? UNREAD : DASH,
      ];
    });
    sections.push(
      table(
        'pruners',
        ['#', 'Pruner', 'Pattern', 'Type', 'Target', 'Measured', 'Layers', 'INC elementwise', 'INC over all', 'INC blockwise', 'True blockwise', 'Status'],
        rows,
        4,
        classes,
      ),
    );
    sections.push('<p class="hint">Measured: elementwise sparsity over the layers the pruner selects (the figure the code lenses show).</p>');
    const sched = pruners
      .map((p) => [p, scheduleLine(p, r.step)] as const)
      .filter((x): x is readonly [Partial<PrunerReport>, string] => x[1] !== undefined);
    if (sched.length) {
      sections.push(
        `<ul id="schedule">${sched.map(([p, line]) => `<li>Pruner ${prunerNumber(p.index)}: ${escapeHtml(line)}</li>`).join('')}</ul>`,
      );
    }
    pruners.forEach((p, i) => {
      const names = asArray(p.layers);
      const invalid = new Set(asArray(p.invalid_layers));
      const items = names
        .map((n) => `<li><code>${escapeHtml(n)}</code>${invalid.has(n) ? ' <span class="bad">(invalid for its pattern)</span>' : ''}</li>`)
        .join('');
      sections.push(
        `<details class="pruner-layers" id="pruner-${i}-layers"${names.length <= 24 ? ' open' : ''}>` +
          `<summary>Pruner ${prunerNumber(p.index)}: ${formatCount(names.length)} layer(s)</summary>` +
          `<ul>${items || '<li>none</li>'}</ul></details>`,
      );
    });
  }

  sections.push(`<h2>Layers (${layers.length})</h2>`);
  if (layers.length) {
    const classes: string[] = [];
    const rows = layers.map((l) => {
      const unread = isUnread(l);
      const low = !unread && l.pruner !== null && l.pruner !== undefined && belowTarget(l.element_sparsity, l.target_sparsity);
      classes.push(unread ? 'unread' : low ? 'below' : l.pruner === null || l.pruner === undefined ? 'unselected' : '');
      let block = formatRatio(l.block_sparsity);
      if (unread) {
        block = UNREAD;
      } else if (l.invalid_reason) {
        block = `<span title="${escapeHtml(l.invalid_reason)}">invalid</span>`;
      }
      const pruner = l.pruner === null || l.pruner === undefined ? DASH : `<span title="${escapeHtml(l.pruner)}">${prunerNumber(l.pruner_index)}</span>`;
      let status = '';
      if (unread) {
        status = `unread: ${escapeHtml(l.error ?? 'not read')}`;
      } else if (low) {
        status = 'below target';
      }
      return [
        `<code>${text(l.name === '' ? '(root)' : l.name)}</code>`,
        `${text(l.class_name)}${l.class_inferred ? ' <span class="hint">(inferred)</span>' : ''}`,
        formatShape(l.shape),
        text(l.dtype),
        unread ? UNREAD : formatCount(l.zeros),
        formatCount(l.size),
        unread ? UNREAD : formatFigure(l.element_sparsity),
        block,
        pruner,
        formatTarget(l.target_sparsity),
        status,
      ];
    });
    sections.push(
      table('layers', ['Layer', 'Class', 'Shape', 'Dtype', 'Zeros', 'Weights', 'Sparsity', 'Block sparsity', 'Pruner', 'Target', 'Status'], rows, 4, classes),
    );
    sections.push(
      '<p class="hint">Rows marked "below target" (in red) are under their pruner\'s target; dimmed rows are selected by no pruner; ' +
        '"unread" rows are weights the server could not read.</p>',
    );
  } else {
    sections.push('<p>No layers reported.</p>');
  }

  const totalKeys = Object.keys(totals);
  if (totalKeys.length) {
    sections.push('<h2>Totals</h2>');
    sections.push(table('totals', ['Total', 'Value'], totalKeys.map((k) => [escapeHtml(totalLabel(k)), totalValue(k, totals[k])])));
  }

  if (notes.length) {
    sections.push('<h2>Notes</h2>');
    sections.push(`<ul id="notes">\n${notes.map((n) => `<li>${noteText(n)}</li>`).join('\n')}\n</ul>`);
  }

  // Keys added to the result after this renderer was written are still shown, compactly.
  const extra = Object.keys(r).filter((k) => !KNOWN_KEYS.has(k));
  if (extra.length) {
    sections.push('<h2>Other</h2>');
    sections.push(
      table('other', ['Key', 'Value'], extra.map((k) => [escapeHtml(k), escapeHtml(typeof r[k] === 'string' ? r[k] : JSON.stringify(r[k]))]), 2),
    );
  }

  const csp = opts.cspSource
    ? `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${opts.cspSource} 'unsafe-inline';">`
    : `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
${csp}
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: var(--vscode-font-family, sans-serif); color: var(--vscode-foreground); padding: 0 1em 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { padding: 2px 10px; border-bottom: 1px solid var(--vscode-panel-border, #8884); text-align: left; }
th { position: sticky; top: 0; background: var(--vscode-editor-background); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.below td { color: var(--vscode-errorForeground, #c33); }
tr.unread td { color: var(--vscode-editorWarning-foreground, #b80); font-style: italic; }
tr.unselected td { opacity: 0.6; }
.warning { color: var(--vscode-editorWarning-foreground, #b80); font-weight: bold; }
.bad { color: var(--vscode-errorForeground, #c33); }
.code { font-family: var(--vscode-editor-font-family, monospace); opacity: 0.8; }
.meta, .hint { color: var(--vscode-descriptionForeground); }
code { font-family: var(--vscode-editor-font-family, monospace); }
details.pruner-layers ul { margin: 0.2em 0 0.8em; columns: 2; }
</style>
</head>
<body>
${sections.join('\n')}
</body>
</html>
`;
}
