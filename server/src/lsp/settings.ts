// `blindspot.*` settings as the client sends them, validated into engine settings plus the server's own knobs.
// Anything malformed falls back to the default: a typo in settings.json must never stop the server.
import { defaultSettings, type EngineSettings, type RuleSetting, type Severity } from '../engine/rule';

export interface ServerSettings {
  engine: EngineSettings;
  /** Quiet time after the last keystroke before a document is re-analysed. */
  debounceMs: number;
  /** Scan every .rs file of the workspace folders on start, so closed files show findings too. */
  workspaceScan: boolean;
}

export const DEFAULT_DEBOUNCE_MS = 75;
const MAX_DEBOUNCE_MS = 5000;

export const defaultServerSettings: ServerSettings = {
  engine: { ...defaultSettings },
  debounceMs: DEFAULT_DEBOUNCE_MS,
  workspaceScan: true,
};

const SEVERITIES = new Set<Severity>(['error', 'warning', 'info', 'hint']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function numberIn(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(min, Math.min(max, value)) : fallback;
}

/**
 * One rule's setting: `"off"`, a severity (`"error"`), `false`/`true`, or `{ enabled, severity }`.
 * Returns undefined for values that mean nothing.
 */
export function parseRuleSetting(value: unknown): RuleSetting | undefined {
  if (value === 'off' || value === false) return { enabled: false };
  if (value === true || value === 'on') return { enabled: true };
  if (typeof value === 'string' && SEVERITIES.has(value as Severity)) return { enabled: true, severity: value as Severity };
  if (!isRecord(value)) return undefined;
  const out: RuleSetting = {};
  if (typeof value.enabled === 'boolean') out.enabled = value.enabled;
  if (typeof value.severity === 'string' && SEVERITIES.has(value.severity as Severity)) out.severity = value.severity as Severity;
  return Object.keys(out).length ? out : undefined;
}

function parseRules(value: unknown): Record<string, RuleSetting> {
  const rules: Record<string, RuleSetting> = {};
  if (!isRecord(value)) return rules;
  for (const [id, raw] of Object.entries(value)) {
    const setting = parseRuleSetting(raw);
    if (setting) rules[id] = setting;
  }
  return rules;
}

function parseGuards(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string' && v.trim().length > 0).map((v) => v.trim());
}

/** The `blindspot` section (an object) → settings; unknown keys are ignored. */
export function parseSettings(section: unknown): ServerSettings {
  const s = isRecord(section) ? section : {};
  return {
    engine: {
      rules: parseRules(s.rules),
      extraBlockingGuards: parseGuards(s.extraBlockingGuards),
      maxFileBytes: numberIn(s.maxFileSize, 1024, 1024 * 1024 * 1024, defaultSettings.maxFileBytes),
      parseTimeoutMs: numberIn(s.parseTimeoutMs, 10, 600_000, defaultSettings.parseTimeoutMs),
    },
    debounceMs: numberIn(s.debounceMs, 0, MAX_DEBOUNCE_MS, DEFAULT_DEBOUNCE_MS),
    workspaceScan: typeof s.workspaceScan === 'boolean' ? s.workspaceScan : true,
  };
}
