// The workspace scan: list every .rs file of the folders (respecting .gitignore, skipping target/), check
// the closed ones with the engine's multi-core scan (the CLI's path too) and publish as results come.
// Trees are never kept and texts are not held, so memory grows with facts and findings, not file sizes.
import * as fs from 'fs';
import { promises as fsp } from 'fs';
import * as path from 'path';
import ignore, { type Ignore } from 'ignore';
import { isSkipped, readSource } from '../cli/read';
import type { Engine, FileResult } from '../engine/analyze';
import { crateInfoFor } from '../engine/crate';
import { scanFiles, type ScanStats } from '../engine/scan';

/** Never worth scanning: build output and VCS internals, whatever .gitignore says. */
const ALWAYS_SKIPPED = new Set(['target', '.git', '.hg', '.svn', 'node_modules']);
/** A bound on the listing, so a home folder opened as a workspace can't exhaust memory. */
export const MAX_SCANNED_FILES = 50_000;

interface IgnoreLayer {
  base: string;
  rules: Ignore;
}

async function gitignoreLayer(dir: string): Promise<IgnoreLayer | undefined> {
  try {
    const text = await fsp.readFile(path.join(dir, '.gitignore'), 'utf8');
    return { base: dir, rules: ignore().add(text) };
  } catch {
    return undefined;
  }
}

function ignored(layers: IgnoreLayer[], full: string, isDir: boolean): boolean {
  return layers.some((layer) => {
    const rel = path.relative(layer.base, full).split(path.sep).join('/');
    return rel !== '' && !rel.startsWith('..') && layer.rules.ignores(isDir ? `${rel}/` : rel);
  });
}

/** Every .rs file under `root`, iteratively (deep trees must not overflow the stack); symlinked folders are not followed. */
export async function listRustFiles(root: string, isCancelled: () => boolean = () => false, limit = MAX_SCANNED_FILES): Promise<string[]> {
  const files: string[] = [];
  const pending: { dir: string; layers: IgnoreLayer[] }[] = [{ dir: root, layers: [] }];
  while (pending.length && !isCancelled() && files.length < limit) {
    const { dir, layers: parentLayers } = pending.pop()!;
    const own = await gitignoreLayer(dir);
    const layers = own ? [...parentLayers, own] : parentLayers;
    let entries: import('fs').Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable or deleted meanwhile
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!ALWAYS_SKIPPED.has(entry.name) && !ignored(layers, full, true)) pending.push({ dir: full, layers });
      } else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.endsWith('.rs') && !ignored(layers, full, false)) {
        files.push(full);
      }
    }
  }
  return files.sort().slice(0, limit);
}

/**
 * The workspace folder whose scan would list `file` (inside it, not under target/ or .git, not
 * gitignored), or undefined. File-watch events and closed documents go through this, so a build
 * writing .rs files into target/ never shows up in the Problems panel.
 */
export async function scannedFolderOf(folders: string[], file: string): Promise<string | undefined> {
  for (const folder of folders) {
    const rel = path.relative(folder, file);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const dirs = rel.split(path.sep).slice(0, -1);
    if (dirs.some((d) => ALWAYS_SKIPPED.has(d))) return undefined;
    const layers: IgnoreLayer[] = [];
    let dir = folder;
    for (const part of [...dirs, undefined]) {
      const own = await gitignoreLayer(dir);
      if (own) layers.push(own);
      if (part === undefined) break;
      dir = path.join(dir, part);
      if (ignored(layers, dir, true)) return undefined;
    }
    return ignored(layers, file, false) ? undefined : folder;
  }
  return undefined;
}

/** The text the engine analyses (BOM dropped, invalid UTF-8 refused), or why there is none. */
function readText(filePath: string, maxBytes: number): { text?: string; skipped?: string } {
  const read = readSource(filePath, maxBytes);
  return isSkipped(read) ? { skipped: read.skipped } : { text: read.text };
}

/** At most one progress message per interval (a 50,000-file scan must not send 100,000 notifications). */
const PROGRESS_INTERVAL_MS = 100;

function throttled(sink: ScanProgress): ScanProgress {
  let last = -Infinity;
  return {
    report(percentage, message) {
      const now = performance.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      sink.report(percentage, message);
    },
    get cancelled() {
      return sink.cancelled;
    },
  };
}

export interface ScanProgress {
  report(percentage: number, message: string): void;
  readonly cancelled: boolean;
}

export interface ScanHooks {
  engine: Engine;
  /** Files the editor has open: their facts and findings come from the buffer, not the disk. */
  isOpen(filePath: string): boolean;
  /** Findings of a closed file, with the text they were computed on (for positions). */
  publish(filePath: string, result: FileResult, text: string): void;
  /** A listed file vanished before it was read: its facts and diagnostics go. */
  forget(filePath: string): void;
  log(message: string): void;
}

export interface ScanOutcome {
  files: number;
  checked: number;
  cancelled: boolean;
}

export class WorkspaceScanner {
  /** Bumped by every new scan and by cancel(): a running scan stops when its generation is no longer current. */
  private generation = 0;

  /** Worker threads for a scan; undefined: one per core. */
  threads: number | undefined;

  constructor(private readonly hooks: ScanHooks) {}

  cancel(): void {
    this.generation++;
  }

  /**
   * Lists the folders' files and checks the closed ones with the engine's scan (worker threads on every
   * core; facts of all files end up in the engine's workspace, files that read other files' facts are
   * checked again with all of them). Results are published as they come; the texts are not kept.
   */
  async scan(folders: string[], sink: ScanProgress): Promise<ScanOutcome> {
    const run = ++this.generation;
    const progress = throttled(sink);
    const stopped = () => run !== this.generation || progress.cancelled;
    const files: string[] = [];
    for (const folder of folders) files.push(...(await listRustFiles(folder, stopped, MAX_SCANNED_FILES - files.length)));
    if (files.length >= MAX_SCANNED_FILES) this.hooks.log(`workspace scan: stopped listing at ${MAX_SCANNED_FILES} files`);
    const closed = files.filter((f) => !this.hooks.isOpen(f));
    const abort = new AbortController();
    const stopIfAsked = () => {
      if (stopped() && !abort.signal.aborted) abort.abort();
      return abort.signal.aborted;
    };
    let checked = 0;
    const stats: ScanStats = { threads: 0, rechecked: 0 };
    const results = scanFiles(closed, {
      engine: this.hooks.engine,
      signal: abort.signal,
      threads: this.threads,
      stats,
      onProgress: (done, total) => {
        if (!stopIfAsked()) progress.report(Math.floor((done / Math.max(1, total)) * 100), `checking ${done}/${total}`);
      },
      onRuleError: (ruleId, file, message) => this.hooks.log(`rule ${ruleId} failed on ${file}: ${message}`),
      isOpen: (file) => this.hooks.isOpen(file),
    });
    for await (const result of results) {
      if (stopIfAsked()) break;
      if (this.publishResult(result)) checked++;
    }
    this.hooks.log(`workspace scan: ${stats.threads} thread(s), ${stats.rechecked} file(s) checked again with every file's facts`);
    return { files: files.length, checked, cancelled: stopped() };
  }

  /** One scanned file: published unless the editor opened it meanwhile; a file that vanished is forgotten. */
  private publishResult(result: FileResult): boolean {
    if (this.hooks.isOpen(result.path)) return false;
    if (result.skipped !== undefined) {
      if (fs.existsSync(result.path)) this.hooks.log(`${result.path}: ${result.skipped}`);
      else this.hooks.forget(result.path);
      return false;
    }
    // Positions need the text; it is read again rather than kept for the whole scan (memory stays bounded).
    const { text } = readText(result.path, this.hooks.engine.settings.maxFileBytes);
    if (text === undefined) return false;
    this.hooks.publish(result.path, result, text);
    return true;
  }

  /** One closed file checked in this thread (a file event, a document closed): facts and findings from the disk. */
  async check(file: string): Promise<boolean> {
    if (this.hooks.isOpen(file)) return false;
    const { text } = readText(file, this.hooks.engine.settings.maxFileBytes);
    if (text === undefined) {
      this.hooks.forget(file);
      return false;
    }
    const result = this.guarded(file, () => this.hooks.engine.checkText(file, text, crateInfoFor(file), true));
    if (!result) return false;
    if (result.skipped) this.hooks.log(`${file}: ${result.skipped}`);
    this.hooks.publish(file, result, text);
    return true;
  }

  /** One file's engine failure is logged and the scan goes on with the next. */
  private guarded<T>(file: string, run: () => T): T | undefined {
    try {
      return run();
    } catch (error) {
      this.hooks.log(`${file}: analysis failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return undefined;
    }
  }
}
