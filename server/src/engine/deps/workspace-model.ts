// A Cargo workspace as Cargo sees it: the root manifest, its members, the crates reached by path,
// the lock file, and which locked package each declared dependency resolved to.
import * as fs from 'fs';
import * as path from 'path';
import { parseManifest, type Manifest, type ManifestDep } from './manifest';
import { parseLockfile, type LockedPackage, type Lockfile } from './lockfile';
import { reqMatches } from './versions';

/** Reads a file, preferring an editor's unsaved text; undefined when it does not exist. */
export type FileReader = (file: string) => string | undefined;

export const diskReader: FileReader = (file) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

export interface DirectDep {
  member: Manifest;
  /** As written in the member (positions are looked up with it). */
  declared: ManifestDep;
  /** With `workspace = true` filled in from the root's `[workspace.dependencies]`. */
  effective: ManifestDep;
  locked?: LockedPackage;
}

export interface WorkspaceModel {
  root: string;
  rootManifest: Manifest;
  members: Manifest[];
  /** Folders of crates reached by path (members included), by `name version`. */
  pathCrates: Map<string, string>;
  lockFile: string;
  lock?: Lockfile;
  direct: DirectDep[];
  /** Things that stop part of the analysis, one line each (malformed TOML, missing lock file). */
  problems: string[];
  /** Of those, the files that exist but do not parse: cargo itself would refuse them. */
  malformed: { file: string; message: string }[];
  /** No Cargo.lock at all (as opposed to one that does not parse). */
  lockMissing: boolean;
}

export const NO_LOCK_FILE = 'no Cargo.lock: advisories and transitive dependencies need a lock file (run `cargo generate-lockfile`, which needs no build)';

const MAX_PATH_CRATES = 2000;

/** The Cargo.toml a start path means: itself, the manifest beside a Cargo.lock, or the one in a folder. */
export function manifestFileFor(start: string): string {
  const resolved = path.resolve(start);
  const base = path.basename(resolved);
  if (base === 'Cargo.toml') return resolved;
  if (base === 'Cargo.lock') return path.join(path.dirname(resolved), 'Cargo.toml');
  return path.join(resolved, 'Cargo.toml');
}

function loadManifest(file: string, read: FileReader): Manifest | undefined {
  const text = read(file);
  return text === undefined ? undefined : parseManifest(text, file);
}

/** The nearest manifest at or above `file` that declares `[workspace]`, else the manifest itself. */
function findWorkspaceRoot(own: Manifest, read: FileReader): Manifest {
  if (own.workspace) return own;
  let dir = path.dirname(own.dir);
  for (let depth = 0; depth < 8; depth++) {
    const candidate = loadManifest(path.join(dir, 'Cargo.toml'), read);
    if (candidate?.workspace && isMemberOf(candidate, own.dir, read)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return own;
}

function isMemberOf(root: Manifest, dir: string, read: FileReader): boolean {
  return memberDirs(root, read).some((d) => path.resolve(d) === path.resolve(dir));
}

function globToRegExp(segment: string): RegExp {
  const body = segment.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Expands a workspace member pattern (`crates/*`) to existing folders. */
function expandMemberPattern(root: string, pattern: string): string[] {
  let dirs = [root];
  for (const segment of pattern.split('/').filter(Boolean)) {
    if (!/[*?[]/.test(segment)) {
      dirs = dirs.map((d) => path.join(d, segment));
      continue;
    }
    const re = globToRegExp(segment);
    dirs = dirs.flatMap((d) => {
      try {
        return fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && re.test(e.name)).map((e) => path.join(d, e.name));
      } catch {
        return [];
      }
    });
  }
  return dirs;
}

function memberDirs(root: Manifest, read: FileReader): string[] {
  const ws = root.workspace;
  if (!ws) return [];
  const excluded = new Set(ws.exclude.map((e) => path.resolve(root.dir, e)));
  const dirs = ws.members.flatMap((m) => expandMemberPattern(root.dir, m));
  return dirs.filter((d) => !excluded.has(path.resolve(d)) && read(path.join(d, 'Cargo.toml')) !== undefined);
}

/** Fills `workspace = true` from the root's `[workspace.dependencies]`, paths made relative to the member. */
function effectiveDep(dep: ManifestDep, root: Manifest, member: Manifest): ManifestDep {
  if (!dep.inherited) return dep;
  const shared = root.workspace?.deps.find((d) => d.key === dep.key);
  if (!shared) return dep;
  const sharedPath = shared.path && path.relative(member.dir, path.resolve(root.dir, shared.path));
  return { ...dep, package: shared.package, requirement: shared.requirement, path: sharedPath, git: shared.git };
}

/** Picks the locked package a declared dependency resolved to. */
function lockedFor(dep: ManifestDep, member: Manifest, lock: Lockfile | undefined): LockedPackage | undefined {
  if (!lock) return undefined;
  const self = (lock.byName.get(member.name ?? '') ?? []).find((p) => p.kind === 'path' && p.version === member.version);
  const fromMember = self?.dependencies.map((id) => lock.byId.get(id)!).filter((p) => p.name === dep.package) ?? [];
  const pool = fromMember.length > 0 ? fromMember : (lock.byName.get(dep.package) ?? []);
  const wanted = dep.path ? 'path' : dep.git ? 'git' : undefined;
  const fits = pool.filter((p) => (!wanted || p.kind === wanted) && (dep.path || dep.git || reqMatches(dep.requirement, p.version)));
  if (fits.length > 0) return fits[fits.length - 1];
  return fromMember.length === 1 ? fromMember[0] : undefined;
}

/** Follows path dependencies from the members, so their sources are found without a registry. */
function collectPathCrates(members: Manifest[], root: Manifest, read: FileReader): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const patched = root.patchPaths.map((p) => loadManifest(path.join(path.resolve(root.dir, p), 'Cargo.toml'), read));
  const queue = [...members, ...patched.filter((m): m is Manifest => !!m && !m.error)];
  while (queue.length > 0 && seen.size < MAX_PATH_CRATES) {
    const m = queue.shift()!;
    if (seen.has(m.file)) continue;
    seen.add(m.file);
    if (m.name) found.set(`${m.name} ${m.version}`, m.dir);
    for (const dep of m.deps.map((d) => effectiveDep(d, root, m))) {
      if (!dep.path) continue;
      const next = loadManifest(path.join(path.resolve(m.dir, dep.path), 'Cargo.toml'), read);
      if (next && !next.error) queue.push(next);
    }
  }
  return found;
}

export function loadWorkspace(start: string, read: FileReader = diskReader): WorkspaceModel {
  const ownFile = manifestFileFor(start);
  const ownText = read(ownFile);
  const own: Manifest = ownText === undefined ? { file: ownFile, dir: path.dirname(ownFile), deps: [], patchPaths: [], error: `no Cargo.toml at ${ownFile}` } : parseManifest(ownText, ownFile);
  const problems: string[] = own.error ? [own.error] : [];
  // A missing manifest has an error too; only one that was read can be malformed.
  const malformed: { file: string; message: string }[] = own.error && ownText !== undefined ? [{ file: own.file, message: own.error }] : [];
  const rootManifest = own.error ? own : findWorkspaceRoot(own, read);
  const memberManifests = memberDirs(rootManifest, read)
    .map((d) => loadManifest(path.join(d, 'Cargo.toml'), read)!)
    .filter((m) => m && m.file !== rootManifest.file);
  for (const m of memberManifests) {
    if (!m.error) continue;
    problems.push(m.error);
    malformed.push({ file: m.file, message: m.error });
  }
  const members = [...(rootManifest.name ? [rootManifest] : []), ...memberManifests.filter((m) => !m.error)];
  const lockFile = path.join(rootManifest.dir, 'Cargo.lock');
  let lock: Lockfile | undefined;
  const lockText = read(lockFile);
  if (lockText === undefined) {
    if (!own.error) problems.push(NO_LOCK_FILE);
  } else {
    try {
      lock = parseLockfile(lockText);
    } catch (e) {
      const message = `Cargo.lock is not valid TOML: ${(e as Error).message.split('\n')[0]}`;
      problems.push(message);
      malformed.push({ file: lockFile, message });
    }
  }
  const direct = members.flatMap((member) =>
    member.deps.map((declared) => {
      const effective = effectiveDep(declared, rootManifest, member);
      return { member, declared, effective, locked: lockedFor(effective, member, lock) };
    }),
  );
  const lockMissing = lockText === undefined;
  return { root: rootManifest.dir, rootManifest, members, pathCrates: collectPathCrates(members, rootManifest, read), lockFile, lock, direct, problems, malformed, lockMissing };
}

/** Every package reachable from `start` (itself included), following the lock file's dependency lists. */
export function subtreeOf(lock: Lockfile, start: string): LockedPackage[] {
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const dep of lock.byId.get(id)?.dependencies ?? []) {
      if (!seen.has(dep)) {
        seen.add(dep);
        stack.push(dep);
      }
    }
  }
  return [...seen].map((id) => lock.byId.get(id)).filter((p): p is LockedPackage => !!p);
}
