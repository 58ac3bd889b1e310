// The sparsity view rendered from the REAL CLI output for examples/prune_tiny_bert.yaml (what the
// server's prune-lsp.computeSparsity returns: the same function), checked figure by figure.
// What VS Code does with the page is tested in tests/vscode/ (real VS Code).
import * as assert from 'assert';
import { checked, ContractError } from '../src/contract';
import { LayerRow, SparsityReport } from '../src/generated/contract';
import {
  belowTarget, escapeHtml, formatCount, formatFigure, formatRatio, formatTarget, prunerMeasured, prunerNumber, renderSparsityHtml,
  scheduleLine,
} from '../src/sparsityReport';
import { needsRealCli, realSparsityReport } from './realReport';

/** The cells' text of each row of the table with this id (tags stripped, entities decoded). */
function rows(html: string, id: string): string[][] {
  const start = html.indexOf(`<table id="${id}">`);
  assert.ok(start >= 0, `no table ${id}`);
  const body = html.slice(html.indexOf('<tbody>', start), html.indexOf('</table>', start));
  return (body.match(/<tr[^>]*>.*?<\/tr>/g) ?? []).map((tr) =>
    (tr.match(/<td[^>]*>(.*?)<\/td>/g) ?? []).map((td) =>
      td.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'"),
    ),
  );
}

function rowClasses(html: string, id: string): string[] {
  const start = html.indexOf(`<table id="${id}">`);
  const body = html.slice(html.indexOf('<tbody>', start), html.indexOf('</table>', start));
  return (body.match(/<tr[^>]*>/g) ?? []).map((tr) => /class="([^"]*)"/.exec(tr)?.[1] ?? '');
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('sparsity view formats', () => {
  it('formats ratios as percentages, counts with separators, unread figures as "unread"', () => {
    assert.strictEqual(formatRatio(0.4375), '43.75 %');
    assert.strictEqual(formatRatio(0), '0.00 %');
    assert.strictEqual(formatRatio(null), '—');
    assert.strictEqual(formatFigure(null), 'unread');
    assert.strictEqual(formatFigure(undefined), '—');
    assert.strictEqual(formatCount(1234567), '1,234,567');
    assert.strictEqual(formatTarget('0.5'), '0.5');
    assert.strictEqual(escapeHtml(`'"`), '&#39;&quot;');
  });
});

describe('sparsity view of the real CLI output (PRUNE_LSP_PYTHON)', function () {
  this.timeout(120000);
  let report: SparsityReport;
  let html: string;
  before(async function () {
    needsRealCli(this);
    report = checked<SparsityReport>('SparsityReport', await realSparsityReport(), 'the CLI output');
    html = renderSparsityHtml(report, { title: 'Sparsity: prune_tiny_bert.yaml' });
  });

  it("shows INC's three figures, the selected-layer ones and the whole model's", () => {
    const t = rows(html, 'figures');
    const keys = ['elementwise_over_matmul_gemm_conv', 'elementwise_over_all', 'blockwise_over_matmul_gemm_conv'] as const;
    keys.forEach((k, i) => {
      assert.strictEqual(t[i][1], formatFigure(report.inc[k]), `INC ${k}`);
      assert.strictEqual(t[i][2], formatFigure(report.selected[k]), `selected ${k}`);
    });
    assert.strictEqual(t[0][3], formatFigure(report.figures.model.elementwise_over_matmul_gemm_conv));
    assert.strictEqual(t[1][3], formatFigure(report.figures.model.elementwise_over_all));
    const counts = t.slice(3).map((r) => r.join('|')).join('\n');
    for (const v of [report.figures.inc.element_zeros, report.figures.selected.selected_weights, report.figures.inc.matmul_gemm_conv_weights]) {
      assert.ok(counts.includes(formatCount(v)), `${v} missing from\n${counts}`);
    }
    assert.ok(html.includes(escapeHtml(report.model)) && html.includes(escapeHtml(report.config)));
  });

  it('shows each pruner with its layers, target, measured and INC figures', () => {
    const t = rows(html, 'pruners');
    assert.strictEqual(t.length, report.pruners.length);
    assert.ok(report.pruners.length >= 2);
    report.pruners.forEach((p, i) => {
      const [num, label, pattern, type, target, measured, layers, incE, incAll, incB, trueB] = t[i];
      assert.deepStrictEqual(
        [num, label, pattern, type, target, measured, layers, incE, incAll, incB, trueB],
        [
          prunerNumber(p.index), p.label, p.pattern, p.pruning_type, formatTarget(p.target_sparsity), formatFigure(prunerMeasured(p)),
          String(p.layers.length), formatFigure(p.inc.elementwise_over_matmul_gemm_conv), formatFigure(p.inc.elementwise_over_all),
          formatFigure(p.inc.blockwise_over_matmul_gemm_conv), formatFigure(p.selected.blockwise_over_matmul_gemm_conv),
        ],
      );
      const list = html.slice(html.indexOf(`id="pruner-${i}-layers"`));
      const ul = list.slice(0, list.indexOf('</details>'));
      for (const name of p.layers) {
        assert.ok(ul.includes(`<code>${escapeHtml(name)}</code>`), `pruner ${i + 1} does not list ${name}`);
      }
    });
  });

  it("shows each layer's zeros, sparsity, block sparsity, pruner and target, and marks rows below target", () => {
    const t = rows(html, 'layers');
    const classes = rowClasses(html, 'layers');
    assert.strictEqual(t.length, report.layers.length);
    let below = 0;
    report.layers.forEach((l: LayerRow, i) => {
      const [name, , , , zeros, size, sparsity, block, pruner, target, status] = t[i];
      assert.strictEqual(name, l.name, `row ${i}`);
      assert.strictEqual(zeros, formatCount(l.zeros), l.name);
      assert.strictEqual(size, formatCount(l.size), l.name);
      assert.strictEqual(sparsity, formatFigure(l.element_sparsity), l.name);
      assert.strictEqual(block, l.invalid_reason ? 'invalid' : formatRatio(l.block_sparsity), l.name);
      assert.strictEqual(pruner, l.pruner === null ? '—' : prunerNumber(l.pruner_index), l.name);
      assert.strictEqual(target, formatTarget(l.target_sparsity), l.name);
      const low = l.pruner !== null && belowTarget(l.element_sparsity, l.target_sparsity);
      below += low ? 1 : 0;
      assert.strictEqual(classes[i] === 'below', low, `${l.name}: class "${classes[i]}"`);
      assert.strictEqual(status === 'below target', low, l.name);
    });
    assert.ok(below > 0, 'the example has layers below target (layer 1 is dense)');
  });

  it('shows the totals and the notes as text', () => {
    const totals = Object.fromEntries(rows(html, 'totals').map(([k, v]) => [k, v]));
    assert.strictEqual(totals['Parameters'], formatCount(report.totals.parameters));
    assert.strictEqual(totals['Zeros'], formatCount(report.totals.zeros));
    assert.strictEqual(totals['Element sparsity'], formatFigure(report.totals.element_sparsity));
    assert.ok(report.notes.length > 0);
    for (const n of report.notes) {
      assert.ok(html.includes(`[${escapeHtml(n.code)}]</span> ${escapeHtml(n.message)}`), n.message);
    }
    assert.ok(!html.includes('{&quot;code&quot;'), 'a note shown as raw JSON');
  });

  it('marks a weight the server could not read as unread, never as a figure', () => {
    // The additive fields of an unread weight (issue 14), on the real report.
    const r = clone(report);
    const l = r.layers.find((x) => x.pruner !== null)!;
    Object.assign(l, { read: false, error: 'truncated data file', zeros: null, nan: null, element_sparsity: null, block_sparsity: null });
    r.inc.elementwise_over_matmul_gemm_conv = null;
    r.unread_selected = [l.name];
    r.totals.complete = false;
    r.totals.unread_parameters = l.size;
    const out = renderSparsityHtml(checked<SparsityReport>('SparsityReport', r, 'the report'));
    const i = r.layers.indexOf(l);
    const row = rows(out, 'layers')[i];
    assert.strictEqual(rowClasses(out, 'layers')[i], 'unread');
    assert.deepStrictEqual([row[4], row[6], row[7]], ['unread', 'unread', 'unread']);
    assert.match(row[10], /unread: truncated data file/);
    assert.strictEqual(rows(out, 'figures')[0][1], 'unread');
    assert.match(out, /id="unread-selected">1 selected weight/);
    const totals = Object.fromEntries(rows(out, 'totals').map(([k, v]) => [k, v]));
    assert.strictEqual(totals['Complete'], 'no');
    assert.strictEqual(totals['Unread parameters'], formatCount(l.size));
  });

  it("says what INC's schedule expects at the checkpoint's step when the server's result carries it", () => {
    assert.ok(!html.includes('id="schedule"'), 'the CLI result has no step: no schedule line');
    const withStep = clone(report) as SparsityReport & { step?: number };
    withStep.step = 11;
    withStep.pruners[0].scheduled = 0.25;
    withStep.pruners[0].schedule_unit = 'step';
    checked<SparsityReport>('SparsityReport', withStep, 'the result with a step');
    const p = withStep.pruners[0];
    const line = scheduleLine(p, 11);
    const target = typeof p.target_sparsity === 'number' ? ` of ${formatRatio(p.target_sparsity)}` : '';
    assert.strictEqual(line, `now ${formatFigure(prunerMeasured(p))}${target}, schedule expects 25.00 % at step 11`);
    const page = renderSparsityHtml(withStep, { title: 't' });
    const list = page.slice(page.indexOf('<ul id="schedule">'), page.indexOf('</ul>', page.indexOf('<ul id="schedule">')));
    assert.ok(list.includes(`Pruner ${prunerNumber(p.index)}: ${escapeHtml(line)}`), list);
    assert.strictEqual((list.match(/<li>/g) ?? []).length, 1, 'only pruners with a scheduled ratio');
  });

  it('is a static page that escapes every string from the result', () => {
    assert.ok(!/<script/i.test(html));
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    const r = clone(report);
    r.model = '<img src=x onerror=alert(1)>';
    r.layers[0].name = '<script>alert(1)</script>';
    r.notes = [{ code: 'x', message: 'a & b < c' }];
    r.pruners[0].label = '"><b>x</b>';
    const out = renderSparsityHtml(r);
    assert.ok(!out.includes('<img src=x') && !out.includes('<script>alert') && !out.includes('<b>x</b>'));
    assert.match(out, /a &amp; b &lt; c/);
  });

  it('shows keys added to the result later, and the contract accepts them', () => {
    const r = clone(report) as SparsityReport & { elapsed_s: number };
    r.elapsed_s = 1.5;
    (r.layers[0] as LayerRow & { mask_source: string }).mask_source = 'weights';
    const out = renderSparsityHtml(checked<SparsityReport>('SparsityReport', r, 'the report'));
    assert.match(rows(out, 'other').map((x) => x.join('=')).join(), /elapsed_s=1\.5/);
  });

  it('refuses a result whose fields the contract does not know, saying where', () => {
    const r = clone(report) as unknown as Record<string, unknown>;
    (r.pruners as Record<string, unknown>[])[0].name = 'renamed';
    delete (r.pruners as Record<string, unknown>[])[0].label;
    assert.throws(() => checked('SparsityReport', r, 'the result'), (e: Error) =>
      e instanceof ContractError && /\$\.pruners\[0\]: missing "label"/.test(e.message));
    const s = clone(report) as unknown as Record<string, unknown>;
    (s.layers as Record<string, unknown>[])[2].zeros = '12';
    assert.throws(() => checked('SparsityReport', s, 'the result'), /\$\.layers\[2\]\.zeros: expected/);
  });
});
