import * as assert from 'assert';
import { escapeHtml, formatCount, formatRatio, renderSparsityHtml } from '../src/sparsityReport';

// The shape printed by `prune-lsp sparsity --format json` (issue 6).
const RESULT = {
  model: '/models/bert-mini/model.safetensors',
  device: 'cpu',
  inc: { elementwise_over_matmul_gemm_conv: 0.4375, elementwise_over_all: 0.3, blockwise_over_matmul_gemm_conv: 0.25 },
  selected: { elementwise: 0.5, blockwise: 0.25, zeros: 1536, size: 3072 },
  pruners: [
    { index: 0, name: 'snip_momentum', target_sparsity: 0.5, pattern: '4x1', elementwise: 0.5, blockwise: 0.5, layers: 2 },
    { index: 1, name: 'magnitude', target_sparsity: 0.9, pattern: '2:4', elementwise: 0.5, blockwise: 0.0, layers: 1 },
  ],
  layers: [
    { name: 'encoder.layer.0.attention.self.query', shape: [32, 32], zeros: 512, size: 1024, sparsity: 0.5, block_sparsity: 0.5, pruner: 0, target: 0.5 },
    { name: 'encoder.layer.0.output.dense', shape: [32, 32], zeros: 512, size: 1024, sparsity: 0.5, block_sparsity: null, pruner: 1, target: 0.9 },
    { name: 'classifier', shape: [2, 32], zeros: 0, size: 64, sparsity: 0, block_sparsity: null, pruner: null, target: null },
  ],
  notes: ['classifier excluded as the classifier head (INC default)'],
};

function rows(html: string, section: string): string[] {
  const start = html.indexOf(`<h2>${section}`);
  assert.ok(start >= 0, `no section ${section}`);
  const end = html.indexOf('</table>', start);
  return html.slice(start, end).match(/<tr[^>]*>.*?<\/tr>/g) ?? [];
}

describe('sparsity report', () => {
  it('formats ratios as percentages and counts with separators', () => {
    assert.strictEqual(formatRatio(0.4375), '43.75 %');
    assert.strictEqual(formatRatio(0), '0.00 %');
    assert.strictEqual(formatRatio(1), '100.00 %');
    assert.strictEqual(formatRatio(null), '—');
    assert.strictEqual(formatRatio('0.5'), '—');
    assert.strictEqual(formatCount(1234567), '1,234,567');
    assert.strictEqual(formatCount(undefined), '—');
  });

  it('shows the three INC figures, the selected totals and the model', () => {
    const html = renderSparsityHtml(RESULT, { title: 'Sparsity: prune.yaml' });
    assert.match(html, /<h1>Sparsity: prune\.yaml<\/h1>/);
    assert.match(html, /<code>\/models\/bert-mini\/model\.safetensors<\/code>/);
    const inc = rows(html, 'What INC logs');
    assert.strictEqual(inc.length, 4); // header + 3 figures
    assert.match(inc[1], /MatMul\/Gemm\/Conv.*43\.75 %/);
    assert.match(inc[2], /all parameters.*30\.00 %/);
    assert.match(inc[3], /Blockwise.*25\.00 %/);
    const sel = rows(html, 'Layers selected');
    assert.match(sel.join(''), /1,536.*3,072/);
  });

  it('renders one row per pruner and per layer, and flags those below target', () => {
    const html = renderSparsityHtml(RESULT);
    const pruners = rows(html, 'Pruners');
    assert.strictEqual(pruners.length, 3);
    assert.match(pruners[1], /snip_momentum.*4x1.*50\.00 %.*ok/);
    assert.match(pruners[2], /^<tr class="below">.*magnitude.*2:4.*90\.00 %.*below target/);
    const layers = rows(html, 'Layers (3)');
    assert.strictEqual(layers.length, 4);
    assert.match(layers[1], /encoder\.layer\.0\.attention\.self\.query.*32 × 32.*512.*1,024.*50\.00 %.*0 \(snip_momentum\)/);
    assert.match(layers[2], /^<tr class="below">.*output\.dense.*—.*1 \(magnitude\).*90\.00 %/);
    assert.match(layers[3], /^<tr class="unselected">.*classifier/);
    assert.match(html, /<li>classifier excluded as the classifier head \(INC default\)<\/li>/);
  });

  it('is a table, not the raw JSON', () => {
    const html = renderSparsityHtml(RESULT);
    assert.ok(!html.includes('"elementwise_over_all"'));
    assert.ok(!html.includes(JSON.stringify(RESULT.layers[0])));
    assert.ok(!/<script/i.test(html));
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });

  it('escapes every string that comes from the result', () => {
    const evil = {
      ...RESULT,
      model: '<img src=x onerror=alert(1)>',
      layers: [{ ...RESULT.layers[0], name: '<script>alert(1)</script>' }],
      notes: ['a & b < c'],
      pruners: [{ ...RESULT.pruners[0], name: '"><b>x</b>' }],
    };
    const html = renderSparsityHtml(evil);
    assert.ok(!html.includes('<img src=x'));
    assert.ok(!html.includes('<script>alert'));
    assert.ok(!html.includes('<b>x</b>'));
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /a &amp; b &lt; c/);
    assert.strictEqual(escapeHtml(`'"`), '&#39;&quot;');
  });

  it('tolerates missing keys and lists unknown ones', () => {
    const html = renderSparsityHtml({ model: 'm.pt', device: 'cuda:0', elapsed_s: 1.5, framework: 'torch', layers: 'oops' });
    assert.match(html, /Layers \(0\)/);
    assert.match(html, /No layers reported/);
    assert.ok(!html.includes('<h2>Pruners'));
    const other = rows(html, 'Other');
    assert.match(other.join(''), /elapsed_s.*1\.5/);
    assert.match(other.join(''), /framework.*torch/);
    // Nothing at all still renders a page.
    for (const v of [null, undefined, 42, 'x', []]) {
      assert.match(renderSparsityHtml(v), /<h2>What INC logs<\/h2>/);
    }
  });

  it('tolerates extra keys inside pruners and layers', () => {
    const r = { ...RESULT, layers: [{ ...RESULT.layers[0], dtype: 'float16', mask_source: 'weights' }] };
    const layers = rows(renderSparsityHtml(r), 'Layers (1)');
    assert.match(layers[1], /attention\.self\.query.*50\.00 %/);
  });
});
