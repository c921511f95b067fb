// The dependency report: every locked package with where its sources are, its unsafe counts, the
// advisories that affect its exact version and whether it was yanked. Shared by the CLI and the server.
import * as path from 'path';
import { AdvisoryDb, firstPatchedAfter, type Advisory } from './advisories';
import { publishedVersions } from './index-cache';
import type { LockedPackage } from './lockfile';
import { DEBIAN_REGISTRY, defaultCargoHome, locateSource, vendorDirectories, type SourceRoots } from './sources';
import { addCounts, emptyCounts, UnsafeCounter, yieldToEventLoop, type CrateUnsafe, type UnsafeCounts } from './unsafe-count';
import { diskReader, loadWorkspace, subtreeOf, type DirectDep, type FileReader, type WorkspaceModel } from './workspace-model';

export interface DepsOptions {
  cargoHome?: string;
  /** Advisory database folder; defaults to `$CARGO_HOME/advisory-db` (where cargo-audit clones it). */
  advisoryDb?: string;
  /** Directory registries holding `NAME-VERSION/` crates; defaults to Debian's. */
  directoryRegistries?: string[];
  countUnsafe?: boolean;
  /** Reuse one counter (and its cache) across runs. */
  counter?: UnsafeCounter;
  read?: FileReader;
  signal?: AbortSignal;
  /** Called once advisories are matched, before the (slower) unsafe count: an editor shows them at once. */
  onReady?(report: DepsReport): void;
  onProgress?(done: number, total: number, crate: string): void;
}

export interface AdvisoryMatch {
  advisory: Advisory;
  /** The first version after the locked one the advisory does not affect. */
  firstPatched?: string;
}

export interface DepEntry {
  pkg: LockedPackage;
  /** A workspace member declares it. */
  direct: boolean;
  sourceDir?: string;
  unsafe?: CrateUnsafe;
  advisories: AdvisoryMatch[];
  /** Known only when cargo's index cache has the crate. */
  yanked?: boolean;
}

export interface DepsReport {
  model: WorkspaceModel;
  /** Dependencies (workspace members left out), in lock-file order. */
  entries: DepEntry[];
  /** Without a Cargo.lock: the direct dependencies as declared (one per crate and requirement), unresolved. */
  unlocked: DirectDep[];
  byId: Map<string, DepEntry>;
  /** Informational lines: missing database, sources or lock file. Shown once, never per dependency. */
  notices: string[];
  advisoryDbDir?: string;
  /** The unsafe count is still running: entries with sources but no counts yet are pending. */
  counting: boolean;
}

const counters = new Map<string, UnsafeCounter>();

/** One process-wide counter: registry crates are immutable, so their counts can be shared. */
export function sharedCounter(): UnsafeCounter {
  let c = counters.get('default');
  if (!c) counters.set('default', (c = new UnsafeCounter()));
  return c;
}

function sourceRoots(model: WorkspaceModel, options: DepsOptions, cargoHome: string): SourceRoots {
  return {
    cargoHome,
    directories: [...vendorDirectories(model.root), ...(options.directoryRegistries ?? [DEBIAN_REGISTRY])],
    pathCrates: model.pathCrates,
  };
}

function isCratesIo(source: string | undefined): boolean {
  return !!source && (source === 'registry+https://github.com/rust-lang/crates.io-index' || /^sparse\+https:\/\/index\.crates\.io\/?$/.test(source));
}

function matchAdvisories(db: AdvisoryDb | undefined, pkg: LockedPackage, cargoHome: string): { advisories: AdvisoryMatch[]; yanked?: boolean } {
  const published = pkg.kind === 'registry' ? publishedVersions(cargoHome, pkg.name) : undefined;
  const usable = published?.filter((p) => !p.yanked).map((p) => p.version);
  const yanked = published?.find((p) => p.version === pkg.version)?.yanked;
  // RustSec covers crates.io only: a crate of the same name from another registry is another crate.
  if (!db || !isCratesIo(pkg.source)) return { advisories: [], yanked };
  const advisories = db.matching(pkg.name, pkg.version).map((advisory) => ({ advisory, firstPatched: firstPatchedAfter(advisory, pkg.version, usable) }));
  return { advisories, yanked };
}

/** What the direct dependencies ask for when no lock file says what they resolved to. */
function unlockedDirect(model: WorkspaceModel): DirectDep[] {
  if (!model.lockMissing) return [];
  const seen = new Set<string>();
  const memberDirs = new Set(model.members.map((m) => path.resolve(m.dir)));
  return model.direct.filter((d) => {
    const e = d.effective;
    if (e.path && memberDirs.has(path.resolve(d.member.dir, e.path))) return false; // a member, not a dependency
    const key = `${e.package}\0${e.requirement ?? ''}\0${e.path ?? ''}\0${e.git ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Builds the report; the unsafe count runs asynchronously, yielding between files, and can be aborted. */
export async function analyzeDeps(start: string, options: DepsOptions = {}): Promise<DepsReport> {
  const read = options.read ?? diskReader;
  const cargoHome = options.cargoHome ?? defaultCargoHome();
  const model = loadWorkspace(start, read);
  const notices = [...model.problems];
  const dbDir = options.advisoryDb ?? path.join(cargoHome, 'advisory-db');
  const db = AdvisoryDb.open(dbDir);
  if (!db) notices.push(`no RustSec advisory database at ${dbDir}: advisories are not checked (clone the advisory-db there, as \`cargo audit\` does, or set the folder in settings)`);
  const members = new Set(model.members.map((m) => `${m.name} ${m.version}`));
  const directIds = new Set(model.direct.map((d) => d.locked?.id).filter((id): id is string => !!id));
  const roots = sourceRoots(model, options, cargoHome);
  const entries: DepEntry[] = [];
  for (const pkg of model.lock?.packages ?? []) {
    if (pkg.kind === 'path' && members.has(`${pkg.name} ${pkg.version}`)) continue;
    entries.push({ pkg, direct: directIds.has(pkg.id), sourceDir: locateSource(pkg, roots), ...matchAdvisories(db, pkg, cargoHome) });
  }
  if (db && db.malformed.length > 0) notices.push(`${db.malformed.length} advisory file(s) could not be read, e.g. ${db.malformed[0]}`);
  const missing = entries.filter((e) => !e.sourceDir).length;
  if (missing > 0 && options.countUnsafe !== false) {
    notices.push(`sources of ${missing} of ${entries.length} dependencies are not on disk (\`cargo fetch\` or \`cargo vendor\` puts them there): their unsafe is not counted`);
  }
  const report: DepsReport = { model, entries, unlocked: unlockedDirect(model), byId: new Map(entries.map((e) => [e.pkg.id, e])), notices, advisoryDbDir: db ? dbDir : undefined, counting: options.countUnsafe !== false };
  options.onReady?.(report);
  if (report.counting) {
    try {
      await countEntries(entries, options);
    } finally {
      report.counting = false;
    }
  }
  return report;
}

async function countEntries(entries: DepEntry[], options: DepsOptions): Promise<void> {
  const counter = options.counter ?? sharedCounter();
  const todo = entries.filter((e) => e.sourceDir);
  let done = 0;
  for (const entry of todo) {
    // Between crates the event loop always gets a turn (an editor's keystrokes, a cancel).
    await yieldToEventLoop();
    options.signal?.throwIfAborted();
    options.onProgress?.(done, todo.length, entry.pkg.name);
    const immutable = entry.pkg.kind === 'registry' || entry.pkg.kind === 'git';
    entry.unsafe = await counter.countCrate(entry.sourceDir!, immutable ? entry.pkg.id : undefined, options.signal);
    done++;
  }
  options.onProgress?.(done, todo.length, '');
}

export interface SubtreeTotals {
  /** Packages in the subtree, the dependency itself included. */
  crates: number;
  /** Of those, how many had sources to count. */
  counted: number;
  counts: UnsafeCounts;
  forbidding: number;
  advisories: { entry: DepEntry; match: AdvisoryMatch }[];
}

/** Totals of finished reports, so hints and hovers on every keystroke do not walk the graph again. */
const totalsMemo = new WeakMap<DepsReport, Map<string, SubtreeTotals>>();

/** Totals for a dependency and everything it pulls in (each package once). */
export function subtreeTotals(report: DepsReport, id: string): SubtreeTotals {
  if (report.counting) return computeSubtreeTotals(report, id);
  let memo = totalsMemo.get(report);
  if (!memo) totalsMemo.set(report, (memo = new Map()));
  let totals = memo.get(id);
  if (!totals) memo.set(id, (totals = computeSubtreeTotals(report, id)));
  return totals;
}

function computeSubtreeTotals(report: DepsReport, id: string): SubtreeTotals {
  const totals: SubtreeTotals = { crates: 0, counted: 0, counts: emptyCounts(), forbidding: 0, advisories: [] };
  if (!report.model.lock) return totals;
  for (const pkg of subtreeOf(report.model.lock, id)) {
    const entry = report.byId.get(pkg.id);
    if (!entry) continue;
    totals.crates++;
    if (entry.unsafe) {
      totals.counted++;
      addCounts(totals.counts, entry.unsafe.counts);
      if (entry.unsafe.forbidsUnsafe) totals.forbidding++;
    }
    for (const match of entry.advisories) totals.advisories.push({ entry, match });
  }
  return totals;
}

/** Which direct dependency pulls a package in (the first found), for messages on transitive ones. */
export function pulledInBy(report: DepsReport, id: string): DepEntry | undefined {
  const lock = report.model.lock;
  if (!lock) return undefined;
  for (const entry of report.entries) {
    if (entry.direct && entry.pkg.id !== id && subtreeOf(lock, entry.pkg.id).some((p) => p.id === id)) return entry;
  }
  return undefined;
}
