// Cargo.toml: what it declares (read with smol-toml) and where each dependency is written (a light
// line scanner, because the TOML library gives values, not positions).
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import type { OffsetRange } from '../text';

export type DepKind = 'normal' | 'dev' | 'build' | 'workspace';

export interface ManifestDep {
  /** The key as written (a rename when `package = …` is given). */
  key: string;
  /** The crate's real name. */
  package: string;
  kind: DepKind;
  /** `cfg(…)` or triple of a `[target.X.dependencies]` table. */
  target?: string;
  requirement?: string;
  path?: string;
  git?: string;
  /** `foo.workspace = true`: the requirement lives in the root's `[workspace.dependencies]`. */
  inherited: boolean;
  /** Which table it sits in, e.g. `dependencies`, `target.cfg(unix).dependencies`: joins it to its position. */
  table: string;
}

export interface DepPosition {
  table: string;
  key: string;
  /** The key on its line, or the name in a `[dependencies.NAME]` header. */
  keyRange: OffsetRange;
  /** The version requirement's text inside its quotes, when written. */
  requirementRange?: OffsetRange;
  line: number;
}

export interface Manifest {
  /** The Cargo.toml file. */
  file: string;
  dir: string;
  name?: string;
  version?: string;
  deps: ManifestDep[];
  workspace?: { members: string[]; exclude: string[]; deps: ManifestDep[] };
  /** Folders of `[patch.*]` and `[replace]` entries given by path: locked as path crates. */
  patchPaths: string[];
  /** Set when the TOML does not parse; then nothing else is known. */
  error?: string;
}

const KIND_OF_TABLE: Record<string, DepKind> = {
  dependencies: 'normal',
  'dev-dependencies': 'dev',
  dev_dependencies: 'dev',
  'build-dependencies': 'build',
  build_dependencies: 'build',
};

type Table = Record<string, unknown>;

function asTable(value: unknown): Table | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) ? (value as Table) : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function depsOf(table: unknown, kind: DepKind, tableName: string, target?: string): ManifestDep[] {
  const out: ManifestDep[] = [];
  for (const [key, spec] of Object.entries(asTable(table) ?? {})) {
    const detail = asTable(spec);
    out.push({
      key,
      package: asString(detail?.package) ?? key,
      kind,
      target,
      requirement: typeof spec === 'string' ? spec : asString(detail?.version),
      path: asString(detail?.path),
      git: asString(detail?.git),
      inherited: detail?.workspace === true,
      table: tableName,
    });
  }
  return out;
}

function patchPaths(doc: Table): string[] {
  const tables = [...Object.values(asTable(doc.patch) ?? {}), doc.replace];
  return tables.flatMap((t) => Object.values(asTable(t) ?? {}).map((spec) => asString(asTable(spec)?.path))).filter((p): p is string => !!p);
}

export function parseManifest(text: string, file: string): Manifest {
  const dir = path.dirname(file);
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (e) {
    return { file, dir, deps: [], patchPaths: [], error: `${path.basename(file)} is not valid TOML: ${(e as Error).message.split('\n')[0]}` };
  }
  const pkg = asTable(doc.package) ?? asTable(doc.project);
  const deps: ManifestDep[] = [];
  for (const [table, kind] of Object.entries(KIND_OF_TABLE)) deps.push(...depsOf(doc[table], kind, table));
  for (const [target, body] of Object.entries(asTable(doc.target) ?? {})) {
    for (const [table, kind] of Object.entries(KIND_OF_TABLE)) deps.push(...depsOf(asTable(body)?.[table], kind, `target.${target}.${table}`, target));
  }
  const ws = asTable(doc.workspace);
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
  return {
    file,
    dir,
    name: asString(pkg?.name),
    version: asString(pkg?.version) ?? (pkg ? '0.0.0' : undefined),
    deps,
    patchPaths: patchPaths(doc),
    workspace: ws && {
      members: strings(ws.members),
      exclude: strings(ws.exclude),
      deps: depsOf(ws.dependencies, 'workspace', 'workspace.dependencies'),
    },
  };
}

// ---- positions -------------------------------------------------------------------------------

const KEY_PART = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const KEY_PATH = new RegExp(String.raw`^\s*(${KEY_PART}(?:\s*\.\s*${KEY_PART})*)\s*=`);
const HEADER = new RegExp(String.raw`^\s*\[(\[?)\s*(${KEY_PART}(?:\s*\.\s*${KEY_PART})*)\s*\]`);
const STRING_VALUE = /^\s*(["'])((?:(?!\1)[^\\]|\\.)*)\1/;
const INLINE_VERSION = /\bversion\s*=\s*(["'])((?:(?!\1)[^\\]|\\.)*)\1/;

/** Splits `target.'cfg(unix)'.dependencies` into its unquoted parts, with each part's offset. */
function keyParts(keyPath: string): { text: string; offset: number; length: number }[] {
  const parts: { text: string; offset: number; length: number }[] = [];
  const re = new RegExp(KEY_PART, 'g');
  for (let m = re.exec(keyPath); m; m = re.exec(keyPath)) {
    const raw = m[0];
    const quoted = raw.startsWith('"') || raw.startsWith("'");
    parts.push({ text: quoted ? raw.slice(1, -1) : raw, offset: m.index, length: raw.length });
  }
  return parts;
}

/** Which dependency table a header or key path names, and how many parts that took. */
function depTablePrefix(parts: string[]): { table: string; used: number } | undefined {
  if (parts[0] && KIND_OF_TABLE[parts[0]]) return { table: parts[0], used: 1 };
  if (parts[0] === 'workspace' && parts[1] === 'dependencies') return { table: 'workspace.dependencies', used: 2 };
  if (parts[0] === 'target' && parts.length >= 3 && KIND_OF_TABLE[parts[2]]) return { table: `target.${parts[1]}.${parts[2]}`, used: 3 };
  return undefined;
}

/** Bracket depth change of a value, ignoring brackets inside strings; also reports an open `"""`. */
function scanValue(line: string, from: number, depth: number): { depth: number; openTriple?: string } {
  for (let i = from; i < line.length; i++) {
    const c = line[i];
    if (c === '#') break;
    if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
      const quote = line.slice(i, i + 3);
      const close = line.indexOf(quote, i + 3);
      if (close < 0) return { depth, openTriple: quote };
      i = close + 2;
    } else if (c === '"' || c === "'") {
      const m = STRING_VALUE.exec(line.slice(i));
      i += m ? m[0].length - 1 : line.length;
    } else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return { depth };
}

/** Where every dependency of a Cargo.toml is written, keyed by `table\0key`. */
export function dependencyPositions(text: string): Map<string, DepPosition> {
  const out = new Map<string, DepPosition>();
  let header: string[] = [];
  let depth = 0;
  let openTriple: string | undefined;
  let lineStart = 0;
  const lines = text.split('\n');
  lines.forEach((line, lineNo) => {
    const start = lineStart;
    lineStart += line.length + 1;
    if (openTriple) {
      if (line.includes(openTriple)) openTriple = undefined;
      return;
    }
    if (depth > 0) {
      depth = scanValue(line, 0, depth).depth;
      return;
    }
    const h = HEADER.exec(line);
    if (h) {
      const parts = keyParts(h[2]);
      header = parts.map((p) => p.text);
      const table = depTablePrefix(header);
      if (table && !h[1] && header.length === table.used + 1) {
        const namePart = parts[table.used];
        const offset = start + h[0].indexOf(h[2]) + namePart.offset;
        record(out, { table: table.table, key: namePart.text, keyRange: { start: offset, end: offset + namePart.length }, line: lineNo });
      }
      return;
    }
    const k = KEY_PATH.exec(line);
    if (!k) return;
    const valueAt = k[0].length;
    const scanned = scanValue(line, valueAt, 0);
    depth = scanned.depth;
    openTriple = scanned.openTriple;
    const parts = keyParts(k[1]);
    const keyOffset = start + k[0].indexOf(k[1]);
    const full = [...header, ...parts.map((p) => p.text)];
    const table = depTablePrefix(full);
    if (!table || full.length <= table.used) return;
    const nameIndex = table.used - header.length;
    const requirement = requirementIn(line, valueAt, full.slice(table.used + 1));
    const shifted = requirement && { start: start + requirement.start, end: start + requirement.end };
    if (nameIndex >= 0) {
      const p = parts[nameIndex];
      record(out, { table: table.table, key: p.text, keyRange: { start: keyOffset + p.offset, end: keyOffset + p.offset + p.length }, requirementRange: shifted, line: lineNo });
    } else if (shifted) {
      const existing = out.get(`${table.table}\0${full[table.used]}`);
      if (existing && !existing.requirementRange) existing.requirementRange = shifted;
    }
  });
  return out;
}

/** The requirement's range on a line: `"1.2"`, `{ version = "1.2" }`, or the value of a `version` key. */
function requirementIn(line: string, valueAt: number, subKeys: string[]): OffsetRange | undefined {
  const value = line.slice(valueAt);
  if (subKeys.length === 1 && subKeys[0] !== 'version') return undefined;
  if (subKeys.length > 1) return undefined;
  const plain = STRING_VALUE.exec(value);
  if (plain) {
    const at = valueAt + value.indexOf(plain[1]) + 1;
    return { start: at, end: at + plain[2].length };
  }
  const inline = subKeys.length === 0 ? INLINE_VERSION.exec(value) : null;
  if (!inline) return undefined;
  const at = valueAt + inline.index + inline[0].length - inline[2].length - 1;
  return { start: at, end: at + inline[2].length };
}

function record(out: Map<string, DepPosition>, pos: DepPosition): void {
  const id = `${pos.table}\0${pos.key}`;
  if (!out.has(id)) out.set(id, pos);
}

export function positionKey(dep: Pick<ManifestDep, 'table' | 'key'>): string {
  return `${dep.table}\0${dep.key}`;
}
