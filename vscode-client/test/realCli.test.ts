// The schema export of the YAML fallback, against the real `prune-lsp schema` (PRUNE_LSP_PYTHON).
import * as assert from 'assert';
import { exportSchema, resolveInterpreter, SCHEMA_DIALECTS } from '../src/launch';
import { loadSchema } from '../src/schemas';
import { tempDir } from './helpers';

const PYTHON = process.env.PRUNE_LSP_PYTHON;

describe('real prune-lsp schema (PRUNE_LSP_PYTHON)', function () {
  this.timeout(60000);
  before(function () {
    if (!PYTHON) {
      // eslint-disable-next-line no-console
      console.log('      (skipped: set PRUNE_LSP_PYTHON to a Python with prune-lsp installed, e.g. /work/main/.venv/bin/python)');
      this.skip();
    }
  });

  it('exports a JSON Schema object for each dialect the extension asks for', async () => {
    const interpreter = resolveInterpreter({ setting: PYTHON });
    const titles = new Set<string>();
    for (const dialect of SCHEMA_DIALECTS) {
      const schema = (await exportSchema(interpreter, dialect, { cwd: tempDir('cli'), timeoutMs: 60000 })) as Record<string, unknown>;
      assert.strictEqual(schema.type, 'object', dialect);
      assert.match(String(schema.$schema), /json-schema\.org/, dialect);
      titles.add(JSON.stringify(schema.properties));
    }
    assert.strictEqual(titles.size, SCHEMA_DIALECTS.length, 'the three dialects exported the same schema');
  });

  it('caches the exported schema on disk', async () => {
    const interpreter = resolveInterpreter({ setting: PYTHON });
    const dir = tempDir('cache');
    const text = await loadSchema(dir, interpreter, 'test', 'pytorch');
    assert.strictEqual(JSON.parse(text).type, 'object');
    const again = await loadSchema(dir, interpreter, 'test', 'pytorch', async () => assert.fail('exported twice'));
    assert.strictEqual(again, text);
  });
});
