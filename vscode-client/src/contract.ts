// Checks the server's custom answers against the contract generated from the server's own Python
// types (lsp_server/contract.py -> generated/contract.schema.json + generated/contract.ts), so that
// a field renamed or retyped on one side is an error message, never a view full of blanks.
// Only the JSON Schema features the generator emits are implemented: type, enum, anyOf, $ref,
// properties, required, items. Keys not in the schema are allowed (additive fields).
import schemaJson from './generated/contract.schema.json';

interface Schema {
  type?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
}

const SCHEMA = schemaJson as unknown as { $defs: Record<string, Schema>; methods: Record<string, string> };

export type ContractType = 'ModelInfo' | 'ModelStatus' | 'SparsityReport' | 'WatchPoint' | 'WatchPointMessage' | 'WatchStarted';

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'null':
      return v === null;
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return false;
  }
}

function describe(v: unknown): string {
  if (v === null) {
    return 'null';
  }
  if (Array.isArray(v)) {
    return 'an array';
  }
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

/** The first place where `value` breaks `schema`, as "path: what", or undefined when it conforms. */
export function violation(schema: Schema, value: unknown, path = '$'): string | undefined {
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() ?? '';
    const target = SCHEMA.$defs[name];
    if (!target) {
      return `${path}: the contract has no type ${name}`;
    }
    return violation(target, value, path);
  }
  if (schema.anyOf) {
    const errors = schema.anyOf.map((s) => violation(s, value, path));
    return errors.every((e) => e !== undefined) ? errors[0] : undefined;
  }
  if (schema.enum) {
    return schema.enum.includes(value as never) ? undefined : `${path}: ${describe(value)} is not one of ${JSON.stringify(schema.enum)}`;
  }
  if (schema.type && !typeOk(schema.type, value)) {
    return `${path}: expected ${schema.type}, got ${describe(value)}`;
  }
  if (schema.type === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in obj)) {
        return `${path}: missing "${key}"`;
      }
    }
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (key in obj) {
        const e = violation(sub, obj[key], `${path}.${key}`);
        if (e) {
          return e;
        }
      }
    }
  }
  if (schema.type === 'array' && schema.items) {
    const arr = value as unknown[];
    for (let i = 0; i < arr.length; i++) {
      const e = violation(schema.items, arr[i], `${path}[${i}]`);
      if (e) {
        return e;
      }
    }
  }
  return undefined;
}

export class ContractError extends Error {}

/** `value` typed as the contract's `type`, or a ContractError saying where it differs. */
export function checked<T>(type: ContractType, value: unknown, what: string): T {
  const e = violation({ $ref: `#/$defs/${type}` }, value);
  if (e) {
    throw new ContractError(`${what} does not match the contract (${type}): ${e}`);
  }
  return value as T;
}
