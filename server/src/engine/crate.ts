// What a file's crate says about it: the edition (drop rules differ) and which crates it depends on.
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';

export type Edition = '2015' | '2018' | '2021' | '2024';

export interface CrateInfo {
  /** Folder holding Cargo.toml, or undefined for a file outside any crate. */
  root?: string;
  name?: string;
  edition: Edition;
  /** Names of the crates it depends on (normal, dev and build), with `-` as `_`. */
  dependencies: Set<string>;
}

export const looseFileCrate: CrateInfo = { edition: '2021', dependencies: new Set() };

const MAX_CACHED_CRATES = 512;
const cache = new Map<string, { mtimeMs: number; info: CrateInfo }>();

function tableKeys(value: unknown): string[] {
  return value && typeof value === 'object' ? Object.keys(value as object) : [];
}

/** Reads a Cargo.toml's text; malformed manifests give the default crate info, never an exception. */
export function crateInfoFromManifest(text: string, root?: string): CrateInfo {
  let manifest: Record<string, unknown>;
  try {
    manifest = parseToml(text) as Record<string, unknown>;
  } catch {
    return { ...looseFileCrate, root, dependencies: new Set() };
  }
  const pkg = (manifest.package ?? {}) as Record<string, unknown>;
  const edition = editionOf(pkg.edition, root);
  const dependencies = new Set<string>();
  const addFrom = (table: unknown) => {
    for (const [key, spec] of Object.entries((table ?? {}) as Record<string, unknown>)) {
      const renamed = spec && typeof spec === 'object' && typeof (spec as { package?: unknown }).package === 'string';
      dependencies.add((renamed ? (spec as { package: string }).package : key).replace(/-/g, '_'));
      if (renamed) dependencies.add(key.replace(/-/g, '_'));
    }
  };
  for (const section of ['dependencies', 'dev-dependencies', 'build-dependencies']) addFrom(manifest[section]);
  for (const target of tableKeys(manifest.target)) {
    const t = (manifest.target as Record<string, Record<string, unknown>>)[target];
    for (const section of ['dependencies', 'dev-dependencies', 'build-dependencies']) addFrom(t?.[section]);
  }
  return { root, name: typeof pkg.name === 'string' ? pkg.name : undefined, edition, dependencies };
}

function isEdition(value: unknown): value is Edition {
  return typeof value === 'string' && /^20(15|18|21|24)$/.test(value);
}

/** `edition = "2021"`, or `edition.workspace = true` read from the workspace root's `[workspace.package]`. */
function editionOf(value: unknown, root: string | undefined): Edition {
  if (isEdition(value)) return value;
  const inherited = value && typeof value === 'object' && (value as { workspace?: unknown }).workspace === true;
  if (inherited && root) {
    for (let dir = root; ; dir = path.dirname(dir)) {
      const workspaceEdition = workspaceEditionIn(path.join(dir, 'Cargo.toml'));
      if (workspaceEdition) return workspaceEdition;
      if (path.dirname(dir) === dir) break;
    }
  }
  return value === undefined ? '2015' : '2021';
}

function workspaceEditionIn(manifestPath: string): Edition | undefined {
  try {
    const manifest = parseToml(fs.readFileSync(manifestPath, 'utf8')) as { workspace?: { package?: { edition?: unknown } } };
    const edition = manifest.workspace?.package?.edition;
    return isEdition(edition) ? edition : undefined;
  } catch {
    return undefined;
  }
}

function findManifest(filePath: string): string | undefined {
  let dir = path.dirname(path.resolve(filePath));
  for (;;) {
    const candidate = path.join(dir, 'Cargo.toml');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The crate of a file on disk, cached by manifest mtime and bounded. */
export function crateInfoFor(filePath: string): CrateInfo {
  const manifest = findManifest(filePath);
  if (!manifest) return looseFileCrate;
  let mtimeMs = 0;
  try {
    mtimeMs = fs.statSync(manifest).mtimeMs;
  } catch {
    return looseFileCrate;
  }
  const cached = cache.get(manifest);
  if (cached && cached.mtimeMs === mtimeMs) return cached.info;
  let text = '';
  try {
    text = fs.readFileSync(manifest, 'utf8');
  } catch {
    return looseFileCrate;
  }
  const info = crateInfoFromManifest(text, path.dirname(manifest));
  if (cache.size >= MAX_CACHED_CRATES) cache.delete(cache.keys().next().value!);
  cache.set(manifest, { mtimeMs, info });
  return info;
}
