// Workspace scans on every core. Each file is read and parsed once, in a worker thread, and checked in
// isolation (worker.ts); its facts and workspace-rule data flow back here into the engine's workspace.
// Then the workspace-wide rules run once, and only the files whose findings could change with other
// files' facts (a rule asked about another file, or a workspace rule reported in it) are checked again,
// here, with everything known. A file that takes longer than the per-file bound is skipped with a reason
// (its worker is stopped and replaced), so one pathological file never stalls a scan.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { Engine, type FileResult } from './analyze';
import { crateInfoFor } from './crate';
import { initParser } from './parser';
import type { EngineSettings, Rule } from './rule';
import { rules as registry } from '../rules';
import { checkGuarded, internalError, IsolatedChecker, WorkerProgress, type AskedKind, type FromWorker, type IsolatedResult, type ToWorker, type WorkerOptions } from './worker';
import { isSkipped, readSource } from '../cli/read';

export interface ScanOptions {
  /** Receives every file's facts; its settings apply; files needing a second look are checked on it. */
  engine?: Engine;
  /** Worker threads; default: one per core. 1 checks in this thread (no per-file time bound then). */
  threads?: number;
  signal?: AbortSignal;
  /** Return each file's text (BOM stripped) with its result, e.g. to convert offsets to positions. */
  includeText?: boolean;
  /** A file that keeps a worker busy longer than this is skipped. Default: parse timeout + 20 s. */
  fileTimeoutMs?: number;
  onProgress?(done: number, total: number): void;
  onRuleError?(ruleId: string, path: string, message: string): void;
  /** The worker script; default: worker.js beside this bundle, or worker.ts from source. */
  workerScript?: string;
  /** Filled in as the scan goes: how the work was split (for benchmarks and logs). */
  stats?: ScanStats;
  /** A file the editor opened during the scan: its facts and rule data come from the buffer, not from the disk. */
  isOpen?(path: string): boolean;
}

export interface ScanStats {
  threads: number;
  /** Files checked a second time, with every file's facts. */
  rechecked: number;
}

export interface ScanResult extends FileResult {
  text?: string;
  bom?: boolean;
}

/** Only for running from source (tests, scripts): a variable keeps bundlers from resolving it. */
const TSX_CJS = 'tsx/cjs';
/** Below this many files, starting workers (about 100 ms each) costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 8;
/** Files per message to a worker, and bytes: large enough to amortise messages, small enough to balance. */
const BATCH_FILES = 8;
const BATCH_BYTES = 512 * 1024;
/** Workers that die before they are ready this often: the scan goes on in this thread. */
const MAX_FAILED_STARTS = 3;
/**
 * A worker gets its next batch while it still has a batch and this many files more to check: results come back a
 * batch at a time, so it must hold a batch in reserve never to wait for work.
 */
const REFILL_AT = BATCH_FILES + 2;

/**
 * Checks `paths` and yields one result per path, in the order given. Facts of every file end up in
 * `options.engine.workspace` (so open documents resolve against them afterwards).
 */
export async function* scanFiles(paths: string[], options: ScanOptions = {}): AsyncGenerator<ScanResult> {
  const engine = options.engine ?? new Engine();
  await initParser();
  const isolated: (IsolatedResult | undefined)[] = new Array(paths.length);
  const ready: (ScanResult | undefined)[] = new Array(paths.length);
  // Without workspace rules, a file that asked nothing about other files is final at once.
  const streaming = !engine.enabledRules().some((r) => r.checkWorkspace);
  let next = 0;
  let done = 0;
  for await (const [i, r] of checkIsolated(paths, engine, options)) {
    absorb(engine, r, options);
    if (r.skipped !== undefined || (streaming && !r.dependent && !r.asked)) ready[i] = publicResult(r);
    else isolated[i] = r;
    options.onProgress?.(++done, paths.length);
    for (; next < paths.length && ready[next]; next++) {
      yield ready[next]!;
      ready[next] = undefined;
    }
  }
  if (options.signal?.aborted) return;
  // Files whose isolated answers were incomplete are checked again first: that also refreshes their workspace-rule
  // data (lock-order pairs resolve through other files' types), so the workspace findings are computed after them.
  const dependent = new Map<number, { result: ScanResult; stamp: string }>();
  for (let i = next; i < paths.length; i++) {
    const r = isolated[i];
    if (!r || (!r.dependent && !askedResolvesElsewhere(engine, r))) continue;
    if (options.signal?.aborted) return;
    if (options.stats) options.stats.rechecked++;
    dependent.set(i, { result: recheck(engine, r.path, options), stamp: dataStamp(engine) });
    await new Promise((resolve) => setImmediate(resolve)); // a server stays responsive during the second pass
  }
  const workspaceFindings = engine.workspaceFindings();
  const final = dataStamp(engine);
  for (; next < paths.length; next++) {
    if (options.signal?.aborted) return;
    const r = isolated[next];
    if (!r) {
      if (ready[next]) yield ready[next]!;
      continue;
    }
    isolated[next] = undefined;
    const again = dependent.get(next);
    // A re-check made before a later one changed the workspace-rule data may miss that data's findings: once more.
    if (again && again.stamp === final) yield again.result;
    else if (!again && !workspaceFindings.has(r.path)) yield publicResult(r);
    else {
      if (options.stats && !again) options.stats.rechecked++;
      yield recheck(engine, r.path, options);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** Changes whenever anything the workspace rules read changes (facts or rule data). */
function dataStamp(engine: Engine): string {
  return `${engine.workspace.version}:${engine.workspace.dataVersion}`;
}

/**
 * Whether a name the file asked about, unknown in isolation, is now declared by exactly one other file: only then
 * does the workspace answer differently (Workspace.lookup), so only then can the findings differ.
 */
function askedResolvesElsewhere(engine: Engine, r: IsolatedResult): boolean {
  const ws = engine.workspace;
  return (r.asked ?? []).some((key) => {
    const [kind, name] = key.split('\u0000') as [AskedKind, string];
    const found = kind === 'structs' ? ws.findStruct(name, r.path) : kind === 'aliases' ? ws.findAlias(name, r.path) : ws.findStatic(name, r.path);
    return found !== undefined;
  });
}

/**
 * Facts and rule data of an isolated check go into the engine's workspace. (Each arrives as a fresh copy; sharing
 * repeated short strings across files saved ~7 MB of 2,900 files' facts but cost the scan thread 0.2-0.4 s while
 * the workers needed the cores: not worth it.)
 */
function absorb(engine: Engine, r: IsolatedResult, options: ScanOptions): void {
  for (const e of r.ruleErrors) options.onRuleError?.(e.ruleId, r.path, e.message);
  if (options.isOpen?.(r.path)) return;
  if (r.facts) engine.workspace.setFacts(r.path, r.facts);
  for (const [ruleId, data] of r.ruleData ?? []) engine.workspace.setRuleData(r.path, ruleId, data);
}

function publicResult(r: IsolatedResult): ScanResult {
  const out: ScanResult = { path: r.path, findings: r.findings };
  if (r.skipped !== undefined) out.skipped = r.skipped;
  if (r.text !== undefined) {
    out.text = r.text;
    out.bom = r.bom;
  }
  return out;
}

/** The second look, with every file's facts: read again (the file may have changed or gone). */
function recheck(engine: Engine, filePath: string, options: ScanOptions): ScanResult {
  // Opened meanwhile: the buffer's analysis rules, and checking the disk's text would replace its facts.
  if (options.isOpen?.(filePath)) return { path: filePath, findings: [], skipped: 'skipped: open in the editor' };
  const read = readSource(filePath, engine.settings.maxFileBytes);
  if (isSkipped(read)) return { path: filePath, findings: [], skipped: read.skipped };
  const previous = engine.onRuleError;
  engine.onRuleError = (ruleId, p, error) => {
    options.onRuleError?.(ruleId, p, error instanceof Error ? error.message : String(error));
    previous(ruleId, p, error);
  };
  try {
    const result: ScanResult = engine.checkText(filePath, read.text, crateInfoFor(filePath), true);
    if (options.includeText) Object.assign(result, { text: read.text, bom: read.bom });
    return result;
  } catch (error) {
    return { path: filePath, findings: [], skipped: internalError(error) };
  } finally {
    engine.onRuleError = previous;
  }
}

/** The first pass: every file checked in isolation, in workers when worth it. Yields [index, result]. */
function checkIsolated(paths: string[], engine: Engine, options: ScanOptions): AsyncIterable<[number, IsolatedResult]> {
  const settings = engine.settings;
  const threads = Math.max(1, Math.min(options.threads ?? os.availableParallelism(), Math.ceil(paths.length / BATCH_FILES)));
  const script = options.workerScript ?? workerScript();
  // Workers load the rule registry themselves (rules are code, not data): an engine with other rules checks here.
  const registryRules = engine.rules.length === registry.length && engine.rules.every((r, i) => r === registry[i]);
  const useWorkers = threads > 1 && paths.length >= MIN_FILES_FOR_WORKERS && !!script && registryRules;
  if (options.stats) Object.assign(options.stats, { threads: useWorkers ? threads : 1, rechecked: 0 });
  if (!useWorkers) return checkInThisThread(paths, settings, options, engine.rules);
  return new WorkerPool(paths, settings, options, threads, script!).run();
}

async function* checkInThisThread(paths: string[], settings: EngineSettings, options: ScanOptions, rules: Rule[]): AsyncGenerator<[number, IsolatedResult]> {
  const checker = new IsolatedChecker(settings, !!options.includeText, rules);
  for (const [i, p] of paths.entries()) {
    if (options.signal?.aborted) return;
    yield [i, checkGuarded(checker, p)];
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Beside the bundle (dist/worker.js), or the source when run through tsx (tests, scripts). */
function workerScript(): string | undefined {
  for (const name of ['worker.js', 'worker.ts']) {
    const candidate = path.join(__dirname, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

interface Slot {
  worker: Worker;
  /** Indices sent and not yet answered, in the order the worker checks them. */
  inflight: number[];
  ready: boolean;
  /** When the worker last heard from this thread or answered (it was started, sent a batch, or sent results). */
  idleSince: number;
  /** Results received from it so far. */
  answered: number;
  progress: WorkerProgress;
}

/** Hands out batches to workers, collects results in arrival order, and enforces the per-file bound. */
class WorkerPool {
  private readonly queue: number[];
  private readonly slots = new Set<Slot>();
  private readonly arrived: [number, IsolatedResult][] = [];
  private wake: (() => void) | undefined;
  private remaining: number;
  private failedStarts = 0;
  private readonly timeoutMs: number;

  constructor(
    private readonly paths: string[],
    private readonly settings: EngineSettings,
    private readonly options: ScanOptions,
    private readonly threads: number,
    private readonly script: string,
  ) {
    this.queue = paths.map((_, i) => i);
    this.remaining = paths.length;
    this.timeoutMs = options.fileTimeoutMs ?? settings.parseTimeoutMs + 20_000;
  }

  async *run(): AsyncGenerator<[number, IsolatedResult]> {
    for (let i = 0; i < this.threads; i++) this.spawn();
    const watchdog = setInterval(() => this.enforceTimeout(), Math.min(250, this.timeoutMs / 4));
    const abort = () => this.notify();
    this.options.signal?.addEventListener('abort', abort);
    try {
      while (this.remaining > 0 && !this.options.signal?.aborted) {
        if (this.slots.size === 0 && this.failedStarts >= MAX_FAILED_STARTS) {
          for (const item of this.checkQueueHere()) {
            this.remaining--;
            yield item;
          }
        }
        if (this.arrived.length === 0 && this.remaining > 0) await new Promise<void>((resolve) => (this.wake = resolve));
        while (this.arrived.length) {
          this.remaining--;
          yield this.arrived.shift()!;
        }
      }
    } finally {
      clearInterval(watchdog);
      this.options.signal?.removeEventListener('abort', abort);
      for (const slot of this.slots) void slot.worker.terminate();
      this.slots.clear();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private deliver(index: number, result: IsolatedResult): void {
    this.arrived.push([index, result]);
    this.notify();
  }

  private spawn(): void {
    const buffer = new SharedArrayBuffer(WorkerProgress.BYTES);
    const epoch = Date.now();
    const workerData: WorkerOptions = { kind: 'blindspot-scan', settings: this.settings, includeText: !!this.options.includeText, progress: buffer, epoch };
    const worker = this.script.endsWith('.ts')
      ? new Worker(`require(${JSON.stringify(require.resolve(TSX_CJS))}); require(${JSON.stringify(this.script)});`, { eval: true, workerData })
      : new Worker(this.script, { workerData });
    const slot: Slot = { worker, inflight: [], ready: false, idleSince: epoch, answered: 0, progress: new WorkerProgress(buffer, epoch) };
    this.slots.add(slot);
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    worker.on('error', (error) => this.retire(slot, `internal error: ${error.message}`));
    worker.on('exit', () => this.retire(slot, 'internal error: the checking thread stopped'));
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    if ('fatal' in message) return this.retire(slot, `internal error: ${message.fatal}`);
    slot.idleSince = Date.now();
    if ('ready' in message) {
      slot.ready = true;
      return this.refill(slot);
    }
    for (const result of message.results) {
      const index = slot.inflight.shift();
      if (index === undefined) break;
      slot.answered++;
      this.arrived.push([index, result]);
    }
    this.notify();
    this.refill(slot);
  }

  /** Tops the worker up to a batch in reserve beyond REFILL_AT files (results come back a batch at a time). */
  private refill(slot: Slot): void {
    if (!slot.ready) return;
    while (slot.inflight.length <= REFILL_AT && this.queue.length) this.sendBatch(slot);
  }

  private sendBatch(slot: Slot): void {
    const batch: number[] = [];
    let bytes = 0;
    while (this.queue.length && batch.length < BATCH_FILES && bytes < BATCH_BYTES) {
      const i = this.queue.shift()!;
      batch.push(i);
      bytes += sizeOf(this.paths[i]);
    }
    if (slot.inflight.length === 0) slot.idleSince = Date.now();
    slot.inflight.push(...batch);
    slot.worker.postMessage({ paths: batch.map((i) => this.paths[i]) } satisfies ToWorker);
  }

  private enforceTimeout(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      const since = this.current(slot) === undefined ? slot.idleSince : slot.progress.since;
      if (slot.inflight.length && now - since > this.timeoutMs) this.retire(slot, `skipped: checking took longer than ${this.timeoutMs} ms`);
    }
  }

  /** Where in `inflight` the file the worker is checking sits; undefined between files (or before the first). */
  private current(slot: Slot): number | undefined {
    const position = slot.progress.started - slot.answered - 1;
    return position >= 0 && position < slot.inflight.length ? position : undefined;
  }

  /**
   * Stops a worker: the file it is checking is skipped with `reason`; the others it held, finished but not yet sent
   * or not started, go back to the queue; a fresh worker takes over.
   */
  private retire(slot: Slot, reason: string): void {
    if (!this.slots.delete(slot)) return;
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    const position = this.current(slot);
    const current = position === undefined ? undefined : slot.inflight[position];
    if (current !== undefined) this.deliver(current, { path: this.paths[current], findings: [], skipped: reason, dependent: false, ruleErrors: [] });
    this.queue.unshift(...slot.inflight.filter((_, i) => i !== position));
    // Stuck or gone between files (no file to blame): that counts like a failed start, so it cannot repeat forever.
    if (!slot.ready || current === undefined) this.failedStarts++;
    if (this.queue.length > 0 && this.failedStarts < MAX_FAILED_STARTS) this.spawn();
    this.notify();
  }

  /** Workers that cannot start (no worker script, a loader missing): the rest is checked in this thread. */
  private *checkQueueHere(): Generator<[number, IsolatedResult]> {
    const checker = new IsolatedChecker(this.settings, !!this.options.includeText);
    while (this.queue.length && !this.options.signal?.aborted) {
      const i = this.queue.shift()!;
      yield [i, checkGuarded(checker, this.paths[i])];
    }
  }
}

function sizeOf(filePath: string): number {
  try {
    return fs.statSync(filePath).size;
  } catch {
    return 0;
  }
}
