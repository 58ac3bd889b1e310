// Renders the result of the server command `prune-lsp.computeSparsity` (the object printed by
// `prune-lsp sparsity --format json`) as a static HTML page for a webview. No `vscode` import.
// The renderer is tolerant: missing keys show as "—", unknown keys are listed at the end, and
// every string from the result is HTML-escaped (layer names and paths come from user files).

const KNOWN_KEYS = new Set(['model', 'device', 'inc', 'selected', 'pruners', 'layers', 'notes']);

/** How far below its target a pruned layer may be before it is flagged (rounding in INC's masks). */
export const TARGET_TOLERANCE = 0.005;

const DASH = '—';

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

/** A ratio in [0, 1] as a percentage with two decimals: 0.5 -> "50.00 %". */
export function formatRatio(v: unknown): string {
  return isNum(v) ? `${(v * 100).toFixed(2)} %` : DASH;
}

/** Integers with thousands separators: 1234567 -> "1,234,567". */
export function formatCount(v: unknown): string {
  return isNum(v) ? Math.round(v).toLocaleString('en-US') : DASH;
}

function formatShape(v: unknown): string {
  const shape = asArray(v);
  return shape.length ? shape.map((d) => (isNum(d) ? String(d) : '?')).join(' × ') : DASH;
}

function text(v: unknown): string {
  return v === null || v === undefined || v === '' ? DASH : escapeHtml(v);
}

function table(headers: string[], rows: string[][], numericFrom = 1, rowClasses: string[] = []): string {
  const head = headers
    .map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''}>${h}</th>`)
    .join('');
  const body = rows
    .map((cells, r) => {
      const cls = rowClasses[r] ? ` class="${rowClasses[r]}"` : '';
      return `<tr${cls}>${cells.map((c, i) => `<td${i >= numericFrom ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function belowTarget(actual: unknown, target: unknown): boolean {
  return isNum(actual) && isNum(target) && actual + TARGET_TOLERANCE < target;
}

export interface RenderOptions {
  /** The webview's CSP source; the page has no scripts, only inline styles. */
  cspSource?: string;
  title?: string;
}

export function renderSparsityHtml(result: unknown, opts: RenderOptions = {}): string {
  const r = asObject(result);
  const inc = asObject(r.inc);
  const selected = asObject(r.selected);
  const pruners = asArray(r.pruners).map(asObject);
  const layers = asArray(r.layers).map(asObject);
  const notes = asArray(r.notes);
  const sections: string[] = [];

  const title = opts.title ?? 'Sparsity';
  sections.push(`<h1>${escapeHtml(title)}</h1>`);
  sections.push(
    `<p class="meta">Model: <code>${text(r.model)}</code> &nbsp;·&nbsp; Device: <code>${text(r.device)}</code></p>`,
  );

  sections.push('<h2>What INC logs</h2>');
  sections.push('<p class="hint">The three figures of INC\'s <code>get_sparsity_ratio</code>, with INC\'s own denominators.</p>');
  sections.push(
    table(
      ['Figure', 'Sparsity'],
      [
        ['Elementwise over MatMul/Gemm/Conv layers', formatRatio(inc.elementwise_over_matmul_gemm_conv)],
        ['Elementwise over all parameters', formatRatio(inc.elementwise_over_all)],
        ['Blockwise over MatMul/Gemm/Conv layers', formatRatio(inc.blockwise_over_matmul_gemm_conv)],
      ],
    ),
  );

  sections.push('<h2>Layers selected by the config</h2>');
  sections.push(
    table(
      ['Figure', 'Value'],
      [
        ['Elementwise sparsity', formatRatio(selected.elementwise)],
        ['Blockwise sparsity', formatRatio(selected.blockwise)],
        ['Zero weights', formatCount(selected.zeros)],
        ['Weights', formatCount(selected.size)],
      ],
    ),
  );

  const prunerName = new Map<number, string>();
  if (pruners.length) {
    sections.push('<h2>Pruners</h2>');
    const classes: string[] = [];
    const rows = pruners.map((p) => {
      if (isNum(p.index) && typeof p.name === 'string') {
        prunerName.set(p.index, p.name);
      }
      const low = belowTarget(p.elementwise, p.target_sparsity);
      classes.push(low ? 'below' : '');
      return [
        text(p.index),
        text(p.name),
        text(p.pattern),
        formatRatio(p.target_sparsity),
        formatRatio(p.elementwise),
        formatRatio(p.blockwise),
        formatCount(p.layers),
        low ? 'below target' : isNum(p.target_sparsity) && isNum(p.elementwise) ? 'ok' : DASH,
      ];
    });
    sections.push(
      table(['#', 'Name', 'Pattern', 'Target', 'Elementwise', 'Blockwise', 'Layers', 'Status'], rows, 3, classes),
    );
  }

  sections.push(`<h2>Layers (${layers.length})</h2>`);
  if (layers.length) {
    const classes: string[] = [];
    const rows = layers.map((l) => {
      const low = belowTarget(l.sparsity, l.target);
      classes.push(low ? 'below' : l.pruner === null || l.pruner === undefined ? 'unselected' : '');
      let pruner = DASH;
      if (isNum(l.pruner)) {
        const name = prunerName.get(l.pruner);
        pruner = name ? `${l.pruner} (${escapeHtml(name)})` : String(l.pruner);
      }
      return [
        `<code>${text(l.name)}</code>`,
        formatShape(l.shape),
        formatCount(l.zeros),
        formatCount(l.size),
        formatRatio(l.sparsity),
        formatRatio(l.block_sparsity),
        pruner,
        formatRatio(l.target),
      ];
    });
    sections.push(
      table(['Layer', 'Shape', 'Zeros', 'Weights', 'Sparsity', 'Block sparsity', 'Pruner', 'Target'], rows, 1, classes),
    );
    sections.push('<p class="hint">Rows in red are below their pruner\'s target; dimmed rows are not selected by any pruner.</p>');
  } else {
    sections.push('<p>No layers reported.</p>');
  }

  if (notes.length) {
    sections.push('<h2>Notes</h2>');
    sections.push(`<ul>\n${notes.map((n) => `<li>${escapeHtml(typeof n === 'string' ? n : JSON.stringify(n))}</li>`).join('\n')}\n</ul>`);
  }

  // Keys added to the result after this renderer was written are still shown, compactly.
  const extra = Object.keys(r).filter((k) => !KNOWN_KEYS.has(k));
  if (extra.length) {
    sections.push('<h2>Other</h2>');
    sections.push(
      table(
        ['Key', 'Value'],
        extra.map((k) => [escapeHtml(k), escapeHtml(typeof r[k] === 'string' ? r[k] : JSON.stringify(r[k]))]),
        2,
      ),
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
tr.unselected td { opacity: 0.6; }
.meta, .hint { color: var(--vscode-descriptionForeground); }
code { font-family: var(--vscode-editor-font-family, monospace); }
</style>
</head>
<body>
${sections.join('\n')}
</body>
</html>
`;
}
