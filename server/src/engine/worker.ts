// One file of a workspace scan, checked in isolation: read (the CLI's decode path), parse once, collect
// facts and workspace-rule data, run the per-function and per-file rules. Runs in a worker thread
// (bundled as dist/worker.js) or in-process for small scans. The file sees no other file's facts; when a
// rule asked the workspace about another file, the result is marked `dependent` and the scan re-checks
// it with every file's facts (see scan.ts).
import { isMainThread, parentPort, workerData } from 'worker_threads';
import { Engine } from './analyze';
import { dirname } from 'path';
import { crateInfoFor, type CrateInfo } from './crate';
import { initParser } from './parser';
import type { FileFacts } from './resolve/facts';
import type { EngineSettings, Finding, Rule } from './rule';
import { Workspace } from './workspace';
import { isSkipped, readSource } from '../cli/read';
import { rules as registry } from '../rules';

export type AskedKind = 'structs' | 'aliases' | 'statics';
/** `kind\u0000name`: a name a file asked the workspace about and does not declare itself. */
export type AskedName = string;

/** What the engine stores per file and rule (whatever shape Workspace.setRuleData takes). */
export type StoredRuleData = Parameters<Workspace['setRuleData']>[2];

export interface IsolatedResult {
  path: string;
  findings: Finding[];
  skipped?: string;
  /** Text as read (BOM stripped) when the scan asked for it. */
  text?: string;
  bom?: boolean;
  facts?: FileFacts;
  /** Workspace-rule data for this file, by rule id. */
  ruleData?: [string, StoredRuleData][];
  /** A rule read other files' facts: the findings may change once every file is known. */
  dependent: boolean;
  /**
   * Names asked of the workspace that this file does not declare (`structs`, `aliases`, `statics`, then the
   * name), answered "unknown" in isolation. The answer stays the same, and so do the findings, unless exactly
   * one other file declares the name (see Workspace.lookup): scan.ts checks that once every file is known.
   */
  asked?: AskedName[];
  ruleErrors: { ruleId: string; message: string }[];
}

/**
 * A workspace that knows only the file being checked and notes every question about another file.
 * Lookups that resolve in the file itself are final; anything else makes the result `dependent`.
 */
class IsolatedWorkspace extends Workspace {
  current = '';
  foreign = false;
  /** Names the current file asked about and does not declare, `kind\u0000name`. */
  asked = new Set<string>();
  /** The current file's workspace-rule data, as the engine stored it. */
  captured = new Map<string, StoredRuleData>();

  override setRuleData(path: string, ruleId: string, entry: StoredRuleData): void {
    if (path === this.current) this.captured.set(ruleId, entry);
    super.setRuleData(path, ruleId, entry);
  }

  private note<T extends { path: string }>(kind: AskedKind, name: string, fromPath: string, found: T | undefined): T | undefined {
    if (found?.path === this.current) return found;
    // Only the current file is known here, so anything else is a name it does not declare (or a question for another file).
    if (found || fromPath !== this.current) this.foreign = true;
    else this.asked.add(`${kind}\u0000${name}`);
    return found;
  }

  override findStruct(name: string, fromPath: string) {
    return this.note('structs', name, fromPath, super.findStruct(name, fromPath));
  }

  override findAlias(name: string, fromPath: string) {
    return this.note('aliases', name, fromPath, super.findAlias(name, fromPath));
  }

  override findStatic(name: string, fromPath: string) {
    return this.note('statics', name, fromPath, super.findStatic(name, fromPath));
  }

  override factsOf(path: string) {
    if (path !== this.current) this.foreign = true;
    return super.factsOf(path);
  }

  override paths() {
    this.foreign = true;
    return super.paths();
  }

  override allStructs() {
    this.foreign = true;
    return super.allStructs();
  }
}

/** The file's own facts, read without counting as a question about another file. */
function ownFacts(ws: IsolatedWorkspace, path: string): FileFacts | undefined {
  return Workspace.prototype.factsOf.call(ws, path);
}

class IsolatedEngine extends Engine {
  override readonly workspace = new IsolatedWorkspace();
}

/** Workspace-wide checks need every file: the scan runs them once, in the main thread. */
function withoutWorkspacePass(rules: Rule[]): Rule[] {
  return rules.map((r) => (r.checkWorkspace ? { ...r, checkWorkspace: undefined } : r));
}

const MAX_CRATE_FOLDERS = 4096;

export class IsolatedChecker {
  private readonly engine: IsolatedEngine;
  private ruleErrors: { ruleId: string; message: string }[] = [];

  constructor(settings: EngineSettings, private readonly includeText: boolean, rules: Rule[] = registry) {
    this.engine = new IsolatedEngine(withoutWorkspacePass(rules));
    // Files on disk, checked once: no typing caches; rc-cycle reads field sites from the file only if a fix needs them.
    this.engine.updateSettings({ ...settings, checkedOnce: true });
    this.engine.onRuleError = (ruleId, _path, error) => this.ruleErrors.push({ ruleId, message: error instanceof Error ? error.message : String(error) });
  }

  /**
   * One scan's crates by folder: every file would otherwise climb its folders and stat the manifest (about 1% of a
   * scan). A checker lives for one scan, so a manifest edited meanwhile is read by the next one.
   */
  private readonly crates = new Map<string, CrateInfo>();

  private crateOf(filePath: string): CrateInfo {
    const folder = dirname(filePath);
    let crate = this.crates.get(folder);
    if (!crate) {
      if (this.crates.size >= MAX_CRATE_FOLDERS) this.crates.clear();
      crate = crateInfoFor(filePath);
      this.crates.set(folder, crate);
    }
    return crate;
  }

  check(path: string): IsolatedResult {
    this.ruleErrors = [];
    const read = readSource(path, this.engine.settings.maxFileBytes);
    if (isSkipped(read)) return { path, findings: [], skipped: read.skipped, dependent: false, ruleErrors: [] };
    const ws = this.engine.workspace;
    ws.current = path;
    ws.foreign = false;
    ws.asked = new Set();
    ws.captured = new Map();
    try {
      const result = this.engine.checkText(path, read.text, this.crateOf(path));
      const text = this.includeText ? { text: read.text, bom: read.bom } : {};
      if (result.skipped) return { path, findings: [], skipped: result.skipped, dependent: false, ruleErrors: this.ruleErrors, ...text };
      const asked = ws.foreign || ws.asked.size === 0 ? {} : { asked: [...ws.asked] };
      return { path, findings: result.findings, facts: ownFacts(ws, path), ruleData: [...ws.captured], dependent: ws.foreign, ...asked, ruleErrors: this.ruleErrors, ...text };
    } finally {
      ws.removeFile(path); // the next file must not see this one
    }
  }
}

/** An engine failure on one file skips that file (with the reason), never the scan. */
export function checkGuarded(checker: IsolatedChecker, path: string): IsolatedResult {
  try {
    return checker.check(path);
  } catch (error) {
    return { path, findings: [], skipped: internalError(error), dependent: false, ruleErrors: [] };
  }
}

export function internalError(error: unknown): string {
  return `internal error (please report it): ${error instanceof Error ? error.message : String(error)}`;
}

/** Messages between scan.ts and a worker. */
export type ToWorker = { paths: string[] };
export type FromWorker = { results: IsolatedResult[] } | { ready: true } | { fatal: string };

export interface WorkerOptions {
  kind: 'blindspot-scan';
  settings: EngineSettings;
  includeText: boolean;
  /** Progress the scan's watchdog reads (see WorkerProgress). */
  progress: SharedArrayBuffer;
  /** `Date.now()` that progress times count from. */
  epoch: number;
}

/**
 * What a worker is doing, in memory the scan thread reads without a message: how many files it has started, and
 * when it started the last one (ms after the epoch). Results travel in batches, so the watchdog cannot tell the
 * current file from the messages alone.
 */
export class WorkerProgress {
  static readonly BYTES = 8;
  private readonly cells: Int32Array;

  constructor(buffer: SharedArrayBuffer, private readonly epoch: number) {
    this.cells = new Int32Array(buffer);
  }

  start(): void {
    Atomics.store(this.cells, 1, Date.now() - this.epoch);
    Atomics.add(this.cells, 0, 1);
  }

  get started(): number {
    return Atomics.load(this.cells, 0);
  }

  /** When the file in progress started (Date.now() time). */
  get since(): number {
    return this.epoch + Atomics.load(this.cells, 1);
  }
}

/** Results go back together once this long has passed (progress bars move) or the batch is done. */
const FLUSH_AFTER_MS = 50;

function serve(options: WorkerOptions): void {
  const port = parentPort!;
  const progress = new WorkerProgress(options.progress, options.epoch);
  const post = (results: IsolatedResult[]) => {
    try {
      port.postMessage({ results } satisfies FromWorker);
    } catch {
      // Rule data that cannot cross threads: the main thread checks such a file itself.
      port.postMessage({ results: results.map(cloneable) } satisfies FromWorker);
    }
  };
  initParser().then(
    () => {
      const checker = new IsolatedChecker(options.settings, options.includeText);
      port.on('message', (message: ToWorker) => {
        // One message per batch, not per file: every message wakes the scan thread, which competes for the cores.
        let pending: IsolatedResult[] = [];
        let flushed = Date.now();
        for (const path of message.paths) {
          if (pending.length && Date.now() - flushed >= FLUSH_AFTER_MS) {
            post(pending);
            pending = [];
            flushed = Date.now();
          }
          progress.start();
          pending.push(checkGuarded(checker, path));
        }
        if (pending.length) post(pending);
      });
      port.postMessage({ ready: true } satisfies FromWorker);
    },
    (error) => port.postMessage({ fatal: String(error) } satisfies FromWorker),
  );
}

/** The result itself if it can be posted, else without its facts and rule data (then marked dependent). */
function cloneable(result: IsolatedResult): IsolatedResult {
  try {
    structuredClone(result);
    return result;
  } catch {
    return { ...result, facts: undefined, ruleData: undefined, dependent: true };
  }
}

if (!isMainThread && (workerData as WorkerOptions | undefined)?.kind === 'blindspot-scan') serve(workerData as WorkerOptions);
