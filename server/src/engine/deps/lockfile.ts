// Cargo.lock (formats v1 to v4): every package with its exact version, source and dependencies.
import { parse as parseToml } from 'smol-toml';
import type { OffsetRange } from '../text';

export type SourceKind = 'registry' | 'git' | 'path' | 'other';

export interface LockedPackage {
  /** `name version` plus ` (source)` when it has one: unique in a lock file. */
  id: string;
  name: string;
  version: string;
  /** e.g. `registry+https://github.com/rust-lang/crates.io-index`, `git+https://…#sha`; none for path crates. */
  source?: string;
  kind: SourceKind;
  /** Ids of the packages it depends on. */
  dependencies: string[];
}

export interface Lockfile {
  version: number;
  packages: LockedPackage[];
  byId: Map<string, LockedPackage>;
  byName: Map<string, LockedPackage[]>;
}

export function packageId(name: string, version: string, source?: string): string {
  return source ? `${name} ${version} (${source})` : `${name} ${version}`;
}

export function sourceKind(source: string | undefined): SourceKind {
  if (!source) return 'path';
  if (source.startsWith('registry+') || source.startsWith('sparse+')) return 'registry';
  if (source.startsWith('git+')) return 'git';
  return 'other';
}

type Raw = Record<string, unknown>;

/** Parses a lock file; throws with a readable message when it is not valid TOML. */
export function parseLockfile(text: string): Lockfile {
  const doc = parseToml(text) as Raw;
  const rawPackages = Array.isArray(doc.package) ? (doc.package as Raw[]) : [];
  const packages: LockedPackage[] = [];
  const rawDeps: string[][] = [];
  for (const raw of rawPackages) {
    if (typeof raw.name !== 'string' || typeof raw.version !== 'string') continue;
    const source = typeof raw.source === 'string' ? raw.source : undefined;
    packages.push({ id: packageId(raw.name, raw.version, source), name: raw.name, version: raw.version, source, kind: sourceKind(source), dependencies: [] });
    rawDeps.push(Array.isArray(raw.dependencies) ? raw.dependencies.filter((d): d is string => typeof d === 'string') : []);
  }
  const lock: Lockfile = { version: typeof doc.version === 'number' ? doc.version : 1, packages, byId: new Map(), byName: new Map() };
  for (const p of packages) {
    lock.byId.set(p.id, p);
    const same = lock.byName.get(p.name) ?? [];
    same.push(p);
    lock.byName.set(p.name, same);
  }
  packages.forEach((p, i) => {
    p.dependencies = rawDeps[i].map((ref) => resolveRef(lock, ref)?.id).filter((id): id is string => !!id);
  });
  return lock;
}

/** A dependency entry is `name`, `name version` or `name version (source)`: the least that is unambiguous. */
function resolveRef(lock: Lockfile, ref: string): LockedPackage | undefined {
  const m = /^(\S+)(?:\s+(\S+))?(?:\s+\((.+)\))?$/.exec(ref.trim());
  if (!m) return undefined;
  const [, name, version, source] = m;
  const candidates = (lock.byName.get(name) ?? []).filter((p) => (!version || p.version === version) && (!source || p.source === source));
  return candidates[0];
}

/** Where each package's `name = "…"` is written in a lock file, by package id. */
export function lockPositions(text: string): Map<string, OffsetRange> {
  const out = new Map<string, OffsetRange>();
  const blocks = text.split(/^(?=\[\[package\]\])/m);
  let offset = 0;
  for (const block of blocks) {
    const name = /^name\s*=\s*"([^"]*)"/m.exec(block);
    const version = /^version\s*=\s*"([^"]*)"/m.exec(block);
    const source = /^source\s*=\s*"([^"]*)"/m.exec(block);
    if (block.startsWith('[[package]]') && name && version) {
      const start = offset + name.index + name[0].indexOf('"') + 1;
      out.set(packageId(name[1], version[1], source?.[1]), { start, end: start + name[1].length });
    }
    offset += block.length;
  }
  return out;
}
