// Finding a locked package's source folder on disk, without a build or the network: path crates,
// `cargo vendor` folders, cargo's registry cache, git checkouts, and directory registries
// (Debian's /usr/share/cargo/registry).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import type { LockedPackage } from './lockfile';

export interface SourceRoots {
  cargoHome: string;
  /** Folders holding `NAME-VERSION/` or `NAME/` crates: vendor folders and directory registries. */
  directories: string[];
  /** Path crates of the workspace by `name version`. */
  pathCrates: Map<string, string>;
}

export const DEBIAN_REGISTRY = '/usr/share/cargo/registry';

export function defaultCargoHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CARGO_HOME || path.join(os.homedir(), '.cargo');
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function listDirs(p: string): string[] {
  try {
    return fs.readdirSync(p, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(p, e.name));
  } catch {
    return [];
  }
}

/** Name and version a crate folder's Cargo.toml declares. */
export function manifestIdentity(dir: string): { name?: string; version?: string } {
  try {
    const doc = parseToml(fs.readFileSync(path.join(dir, 'Cargo.toml'), 'utf8')) as { package?: { name?: unknown; version?: unknown } };
    const name = typeof doc.package?.name === 'string' ? doc.package.name : undefined;
    const version = typeof doc.package?.version === 'string' ? doc.package.version : undefined;
    return { name, version };
  } catch {
    return {};
  }
}

/**
 * Source directories a workspace declares in `.cargo/config.toml` (`[source.X] directory = "vendor"`),
 * relative to the folder holding `.cargo`, plus `vendor/` itself when present.
 */
export function vendorDirectories(workspaceRoot: string): string[] {
  const out: string[] = [];
  for (const name of ['config.toml', 'config']) {
    try {
      const doc = parseToml(fs.readFileSync(path.join(workspaceRoot, '.cargo', name), 'utf8')) as { source?: Record<string, { directory?: unknown }> };
      for (const src of Object.values(doc.source ?? {})) {
        if (typeof src?.directory === 'string') out.push(path.resolve(workspaceRoot, src.directory));
      }
    } catch {
      // no config, or one we cannot read: vendor/ below still applies
    }
  }
  const vendor = path.join(workspaceRoot, 'vendor');
  if (isDir(vendor) && !out.includes(vendor)) out.push(vendor);
  return out;
}

/** `NAME-VERSION/`, or `NAME/` whose Cargo.toml has that version (cargo vendor without --versioned-dirs). */
function inDirectory(dir: string, pkg: LockedPackage): string | undefined {
  const versioned = path.join(dir, `${pkg.name}-${pkg.version}`);
  if (isDir(versioned)) return versioned;
  const plain = path.join(dir, pkg.name);
  if (isDir(plain) && manifestIdentity(plain).version === pkg.version) return plain;
  return undefined;
}

/** `git+https://host/owner/repo?rev=x#0123abc…` → the checkout folder cargo made for it. */
function inGitCheckouts(cargoHome: string, pkg: LockedPackage): string | undefined {
  const m = /^git\+([^?#]+)(?:\?[^#]*)?#([0-9a-f]{7,40})$/.exec(pkg.source ?? '');
  if (!m) return undefined;
  const repo = path.basename(m[1]).replace(/\.git$/, '');
  const short = m[2].slice(0, 7);
  const checkouts = listDirs(path.join(cargoHome, 'git', 'checkouts')).filter((d) => path.basename(d).startsWith(`${repo}-`));
  for (const checkout of checkouts) {
    const rev = path.join(checkout, short);
    if (isDir(rev)) return findCrateIn(rev, pkg.name, 3);
  }
  return undefined;
}

/** A git repository may hold several crates: the folder whose Cargo.toml names the package. */
function findCrateIn(dir: string, name: string, depth: number): string | undefined {
  if (manifestIdentity(dir).name === name) return dir;
  if (depth === 0) return undefined;
  for (const child of listDirs(dir)) {
    const base = path.basename(child);
    if (base.startsWith('.') || base === 'target') continue;
    const found = findCrateIn(child, name, depth - 1);
    if (found) return found;
  }
  return undefined;
}

/** Where a locked package's sources are, or undefined when nothing on disk has them. */
export function locateSource(pkg: LockedPackage, roots: SourceRoots): string | undefined {
  if (pkg.kind === 'path') return roots.pathCrates.get(`${pkg.name} ${pkg.version}`);
  for (const dir of roots.directories) {
    const found = inDirectory(dir, pkg);
    if (found) return found;
  }
  if (pkg.kind === 'registry') {
    for (const index of listDirs(path.join(roots.cargoHome, 'registry', 'src'))) {
      const found = path.join(index, `${pkg.name}-${pkg.version}`);
      if (isDir(found)) return found;
    }
  }
  if (pkg.kind === 'git') return inGitCheckouts(roots.cargoHome, pkg);
  return undefined;
}
