import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { Interpreter, SchemaDialect } from '../src/launch';
import { detectSchemaDialect, dialectFromSchemaUri, loadSchema, schemaCacheFile, schemaUri } from '../src/schemas';
import { tempDir } from './helpers';

// ../shared beside the repository root (vscode-client/out/test -> repo root is 3 levels up).
const CORPUS = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'corpus', 'inc-configs');

describe('YAML schema fallback', () => {
  it('detects the dialect from the key under pruning.approach', () => {
    assert.strictEqual(detectSchemaDialect('pruning:\n  approach:\n    weight_compression_v2:\n      pruners: []\n'), 'v2');
    assert.strictEqual(detectSchemaDialect('pruning:\n  approach:\n    weight_compression_pytorch:\n      x: 1\n'), 'pytorch');
    assert.strictEqual(detectSchemaDialect('pruning:\n  approach:\n    weight_compression:\n      x: 1\n'), '1.x');
    assert.strictEqual(detectSchemaDialect('name: ci\non: [push]\n'), undefined);
    // Mentioned in a comment or a value: not a pruning config.
    assert.strictEqual(detectSchemaDialect('# see weight_compression_v2: docs\nnote: "weight_compression:"\n'), undefined);
  });

  it('agrees with a YAML parser on the INC corpus', function () {
    if (!fs.existsSync(CORPUS)) {
      this.skip(); // the shared corpus (../shared/corpus) is not present on this machine
    }
    let checked = 0;
    for (const file of fs.readdirSync(CORPUS).filter((f) => /\.ya?ml$/.test(f))) {
      const text = fs.readFileSync(path.join(CORPUS, file), 'utf8');
      const doc = parseDocument(text, { logLevel: 'silent' });
      if (doc.errors.length) {
        continue; // not YAML (e.g. a Markdown fence around it): no parser to compare with
      }
      const approach = doc.toJS({ maxAliasCount: -1 })?.pruning?.approach ?? {};
      let expected: SchemaDialect | undefined;
      if ('weight_compression_v2' in approach) expected = 'v2';
      else if ('weight_compression_pytorch' in approach) expected = 'pytorch';
      else if ('weight_compression' in approach) expected = '1.x';
      assert.strictEqual(detectSchemaDialect(text), expected, file);
      checked++;
    }
    assert.ok(checked >= 40, `only ${checked} corpus files`);
  });

  it('round-trips schema URIs', () => {
    for (const d of ['v2', 'pytorch', '1.x'] as const) {
      assert.strictEqual(dialectFromSchemaUri(schemaUri(d)), d);
    }
    assert.strictEqual(dialectFromSchemaUri('prunelsp://schema/v9.json'), undefined);
    assert.strictEqual(dialectFromSchemaUri('https://json.schemastore.org/x.json'), undefined);
  });

  it('exports once per interpreter and version, then serves the cache', async () => {
    const base = tempDir('cache');
    const py: Interpreter = { command: ['/venv/bin/python'], source: 'setting' };
    const calls: string[] = [];
    const exporter = async (_i: Interpreter, d: SchemaDialect) => {
      calls.push(d);
      return { title: `schema ${d}` };
    };
    const first = await loadSchema(base, py, '0.1.0', 'v2', exporter);
    const second = await loadSchema(base, py, '0.1.0', 'v2', exporter);
    assert.deepStrictEqual(JSON.parse(first), { title: 'schema v2' });
    assert.strictEqual(second, first);
    assert.deepStrictEqual(calls, ['v2']);
    // Another version or another interpreter is another cache entry.
    await loadSchema(base, py, '0.2.0', 'v2', exporter);
    await loadSchema(base, { command: ['/other/python'], source: 'setting' }, '0.1.0', 'v2', exporter);
    assert.deepStrictEqual(calls, ['v2', 'v2', 'v2']);
    assert.notStrictEqual(schemaCacheFile(base, py, '0.1.0', 'v2'), schemaCacheFile(base, py, '0.2.0', 'v2'));
  });

  it('does not cache without a version, and re-exports a corrupt cache file', async () => {
    const base = tempDir('cache');
    const py: Interpreter = { command: ['python3'], source: 'default' };
    let n = 0;
    const exporter = async () => ({ n: ++n });
    await loadSchema(base, py, null, 'v2', exporter);
    await loadSchema(base, py, null, 'v2', exporter);
    assert.strictEqual(n, 2);
    assert.strictEqual(schemaCacheFile(base, py, null, 'v2'), undefined);
    await loadSchema(base, py, '1.0', '1.x', exporter);
    fs.writeFileSync(schemaCacheFile(base, py, '1.0', '1.x')!, '{"trunc');
    assert.deepStrictEqual(JSON.parse(await loadSchema(base, py, '1.0', '1.x', exporter)), { n: 4 });
  });

  it('propagates an export failure (the caller logs it)', async () => {
    const failing = async () => {
      throw new Error('prune-lsp schema --dialect v2 failed: boom');
    };
    await assert.rejects(loadSchema(tempDir('cache'), { command: ['p'], source: 'setting' }, '1', 'v2', failing), /boom/);
  });
});
