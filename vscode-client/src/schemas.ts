// The optional JSON-Schema fallback for the Red Hat YAML extension: which schema a document
// needs, and a disk cache of what `prune-lsp schema --dialect D` prints. No `vscode` import.
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { exportSchema, Interpreter, SchemaDialect } from './launch';

// The container key under `pruning.approach` names the dialect (inc-pruning-spec.md section 3).
// Anchored at a line start so that the key in a comment or in a value does not count.
const DIALECT_KEYS: ReadonlyArray<[RegExp, SchemaDialect]> = [
  [/^[ \t]*weight_compression_v2[ \t]*:/m, 'v2'],
  [/^[ \t]*weight_compression_pytorch[ \t]*:/m, 'pytorch'],
  [/^[ \t]*weight_compression[ \t]*:/m, '1.x'],
];

/** The schema dialect of a YAML document, or undefined when it holds no pruning config we have a schema for. */
export function detectSchemaDialect(text: string): SchemaDialect | undefined {
  for (const [re, dialect] of DIALECT_KEYS) {
    if (re.test(text)) {
      return dialect;
    }
  }
  return undefined;
}

/** The contributor name for the YAML extension; schema URIs use it as their scheme. */
export const SCHEMA_SCHEME = 'prunelsp';

export function schemaUri(dialect: SchemaDialect): string {
  return `${SCHEMA_SCHEME}://schema/${encodeURIComponent(dialect)}.json`;
}

export function dialectFromSchemaUri(uri: string): SchemaDialect | undefined {
  const m = /^prunelsp:\/\/schema\/([^/]+)\.json$/.exec(uri);
  if (!m) {
    return undefined;
  }
  const d = decodeURIComponent(m[1]);
  return d === 'v2' || d === 'pytorch' || d === '1.x' ? d : undefined;
}

/**
 * One cache folder per (interpreter, prune-lsp version): a schema exported by one installation
 * is never served for another. Without a version (a source checkout) nothing is cached.
 */
export function schemaCacheFile(baseDir: string, interpreter: Interpreter, version: string | null, dialect: SchemaDialect): string | undefined {
  if (!version) {
    return undefined;
  }
  const key = createHash('sha256').update(JSON.stringify([interpreter.command, version])).digest('hex').slice(0, 16);
  return path.join(baseDir, 'schemas', key, `${dialect}.schema.json`);
}

export type SchemaExporter = (interpreter: Interpreter, dialect: SchemaDialect) => Promise<object>;

/** The schema as text, from the cache or freshly exported (and then cached). */
export async function loadSchema(
  baseDir: string,
  interpreter: Interpreter,
  version: string | null,
  dialect: SchemaDialect,
  exporter: SchemaExporter = (i, d) => exportSchema(i, d, { cwd: baseDir }),
): Promise<string> {
  const file = schemaCacheFile(baseDir, interpreter, version, dialect);
  if (file) {
    try {
      const cached = await fs.readFile(file, 'utf8');
      JSON.parse(cached); // a truncated file (crash mid-write) is re-exported, not served
      return cached;
    } catch {
      // not cached yet, or unreadable
    }
  }
  await fs.mkdir(baseDir, { recursive: true }); // also the exporter's working directory
  const text = JSON.stringify(await exporter(interpreter, dialect), null, 2);
  if (file) {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text, 'utf8');
    await fs.rename(tmp, file);
  }
  return text;
}
