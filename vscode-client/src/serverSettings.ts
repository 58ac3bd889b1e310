// Translation of the `pruneLsp.*` settings into what the server receives (initializationOptions,
// workspace/didChangeConfiguration and workspace/configuration). No `vscode` import: unit-tested directly.

export type Device = 'auto' | 'cpu' | 'cuda' | `cuda:${number}`;

/** The keys design.md fixes for the server; nothing else is sent. */
export interface ServerSettings {
  models: Record<string, string>;
  device: Device;
  allowCodeExecution: boolean;
  debounceMs: number;
  disabledRules: string[];
}

export const DEFAULT_SETTINGS: Readonly<ServerSettings> = Object.freeze({
  models: {},
  device: 'auto',
  allowCodeExecution: false,
  debounceMs: 150,
  disabledRules: [],
});

export const MAX_DEBOUNCE_MS = 10000;

/**
 * Raw values as VS Code reports them. `allowCodeExecution` must come from user (or machine) level
 * only: the caller passes the global value so that a workspace can never switch it on.
 */
export interface RawSettings {
  models?: unknown;
  device?: unknown;
  allowCodeExecution?: unknown;
  debounceMs?: unknown;
  disabledRules?: unknown;
}

export function normalizeDevice(value: unknown): Device {
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'auto' || v === 'cpu' || v === 'cuda' || /^cuda:\d+$/.test(v)) {
      return v as Device;
    }
  }
  return DEFAULT_SETTINGS.device;
}

/** Invalid values fall back to the default instead of reaching the server, one key at a time. */
export function toServerSettings(raw: RawSettings): ServerSettings {
  const models: Record<string, string> = {};
  if (raw.models !== null && typeof raw.models === 'object' && !Array.isArray(raw.models)) {
    for (const [glob, path] of Object.entries(raw.models as Record<string, unknown>)) {
      if (glob.trim() !== '' && typeof path === 'string' && path.trim() !== '') {
        models[glob] = path;
      }
    }
  }
  let debounceMs = DEFAULT_SETTINGS.debounceMs;
  if (typeof raw.debounceMs === 'number' && Number.isFinite(raw.debounceMs)) {
    debounceMs = Math.min(MAX_DEBOUNCE_MS, Math.max(0, Math.round(raw.debounceMs)));
  }
  const disabledRules: string[] = [];
  if (Array.isArray(raw.disabledRules)) {
    for (const rule of raw.disabledRules) {
      if (typeof rule === 'string' && rule.trim() !== '' && !disabledRules.includes(rule.trim())) {
        disabledRules.push(rule.trim());
      }
    }
  }
  return {
    models,
    device: normalizeDevice(raw.device),
    // Strictly `true`: a string "true" or 1 from a hand-edited settings.json does not count.
    allowCodeExecution: raw.allowCodeExecution === true,
    debounceMs,
    disabledRules,
  };
}

/** The section name used by synchronize.configurationSection and workspace/configuration. */
export const SECTION = 'pruneLsp';

/** Whether a workspace/configuration item asks for our settings (section `pruneLsp`). */
export function isOurSection(section: string | null | undefined): boolean {
  return section === SECTION;
}
