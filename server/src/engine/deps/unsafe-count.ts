// Counting `unsafe` in a crate's sources with tree-sitter, like cargo-geiger but with no build.
// Registry sources never change, so results are cached by name and version (bounded); the async
// API yields between files so a few hundred crates never block the event loop.
import * as fs from 'fs';
import * as path from 'path';
import { parse, query } from '../parser';

export interface UnsafeCounts {
  blocks: number;
  fns: number;
  impls: number;
  traits: number;
}

export interface FileUnsafe {
  /** Relative to the crate folder. */
  file: string;
  total: number;
}

export interface CrateUnsafe {
  counts: UnsafeCounts;
  /** The crate root says `#![forbid(unsafe_code)]`. */
  forbidsUnsafe: boolean;
  files: number;
  /** Files too large, unreadable, or whose parse timed out. */
  skippedFiles: number;
  /** The files with the most unsafe, most first (at most five). */
  topFiles: FileUnsafe[];
}

export interface CountOptions {
  maxFileBytes?: number;
  maxFilesPerCrate?: number;
  parseTimeoutMs?: number;
}

const UNSAFE_QUERY = `
(unsafe_block) @block
(function_item (function_modifiers "unsafe")) @fn
(impl_item "unsafe") @impl
(trait_item "unsafe") @trait
(source_file (inner_attribute_item (attribute (identifier) @attr.name arguments: (token_tree (identifier) @attr.arg)))
  (#eq? @attr.name "forbid") (#eq? @attr.arg "unsafe_code")) @forbid
`;

/** Folders that are not part of what a crate compiles into dependents. */
const SKIPPED_DIRS = new Set(['target', 'tests', 'benches', 'examples', 'fuzz', 'node_modules']);
const TOP_FILES = 5;

export function emptyCounts(): UnsafeCounts {
  return { blocks: 0, fns: 0, impls: 0, traits: 0 };
}

export function totalOf(c: UnsafeCounts): number {
  return c.blocks + c.fns + c.impls + c.traits;
}

export function addCounts(into: UnsafeCounts, c: UnsafeCounts): UnsafeCounts {
  into.blocks += c.blocks;
  into.fns += c.fns;
  into.impls += c.impls;
  into.traits += c.traits;
  return into;
}

/** Counts one file's text. Returns undefined when the parse gives up (timeout). */
export function countText(text: string, timeoutMs = 5000): { counts: UnsafeCounts; forbidsUnsafe: boolean } | undefined {
  const tree = parse(text, null, { timeoutMs });
  if (!tree) return undefined;
  try {
    const counts = emptyCounts();
    let forbidsUnsafe = false;
    for (const capture of query(UNSAFE_QUERY).captures(tree.rootNode)) {
      if (capture.name === 'block') counts.blocks++;
      else if (capture.name === 'fn') counts.fns++;
      else if (capture.name === 'impl') counts.impls++;
      else if (capture.name === 'trait') counts.traits++;
      else if (capture.name === 'forbid') forbidsUnsafe = true;
    }
    return { counts, forbidsUnsafe };
  } finally {
    tree.delete();
  }
}

/** The crate's .rs files, skipping tests, benches, examples and nested crates (own Cargo.toml). */
function rustFiles(crateDir: string, limit: number): string[] {
  const out: string[] = [];
  const stack = [crateDir];
  while (stack.length > 0 && out.length < limit) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name.startsWith('.') || SKIPPED_DIRS.has(e.name)) continue;
        if (fs.existsSync(path.join(full, 'Cargo.toml'))) continue;
        stack.push(full);
      } else if (e.isFile() && e.name.endsWith('.rs') && out.length < limit) {
        out.push(full);
      }
    }
  }
  return out;
}

/** The files that can be a crate root: only there does `#![forbid(unsafe_code)]` cover the crate. */
function isCrateRoot(relative: string): boolean {
  return ['src/lib.rs', 'lib.rs', 'src/main.rs'].includes(relative.split(path.sep).join('/'));
}

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class UnsafeCounter {
  private readonly cache = new Map<string, CrateUnsafe>();

  constructor(
    private readonly options: CountOptions = {},
    private readonly maxEntries = 2000,
  ) {}

  /** A cached result, refreshed as most recently used. */
  cached(key: string): CrateUnsafe | undefined {
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
    }
    return hit;
  }

  /**
   * Counts a crate folder. `cacheKey` (name and version of an immutable source) makes the result
   * reusable; path crates pass none since their files change. Yields to the event loop every few
   * milliseconds and throws an AbortError when `signal` is aborted.
   */
  async countCrate(dir: string, cacheKey?: string, signal?: AbortSignal): Promise<CrateUnsafe> {
    const hit = cacheKey ? this.cached(cacheKey) : undefined;
    if (hit) return hit;
    const result = await this.countFiles(dir, signal);
    if (cacheKey) this.remember(cacheKey, result);
    return result;
  }

  private async countFiles(dir: string, signal?: AbortSignal): Promise<CrateUnsafe> {
    const maxBytes = this.options.maxFileBytes ?? 2 * 1024 * 1024;
    const result: CrateUnsafe = { counts: emptyCounts(), forbidsUnsafe: false, files: 0, skippedFiles: 0, topFiles: [] };
    const perFile: FileUnsafe[] = [];
    let lastYield = performance.now();
    for (const file of rustFiles(dir, this.options.maxFilesPerCrate ?? 5000)) {
      if (performance.now() - lastYield > 10) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      signal?.throwIfAborted();
      const counted = countFile(file, maxBytes, this.options.parseTimeoutMs);
      if (!counted) {
        result.skippedFiles++;
        continue;
      }
      result.files++;
      addCounts(result.counts, counted.counts);
      const relative = path.relative(dir, file);
      if (counted.forbidsUnsafe && isCrateRoot(relative)) result.forbidsUnsafe = true;
      const total = totalOf(counted.counts);
      if (total > 0) perFile.push({ file: relative, total });
    }
    result.topFiles = perFile.sort((a, b) => b.total - a.total || a.file.localeCompare(b.file)).slice(0, TOP_FILES);
    return result;
  }

  private remember(key: string, value: CrateUnsafe): void {
    this.cache.delete(key);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, value);
  }

  get size(): number {
    return this.cache.size;
  }
}

function countFile(file: string, maxBytes: number, timeoutMs?: number): ReturnType<typeof countText> {
  try {
    if (fs.statSync(file).size > maxBytes) return undefined;
    const bytes = fs.readFileSync(file);
    if (bytes.includes(0)) return undefined;
    // Every construct counted (and `unsafe_code`) contains the word: files without it need no parse.
    if (!bytes.includes('unsafe')) return { counts: emptyCounts(), forbidsUnsafe: false };
    return countText(bytes.toString('utf8'), timeoutMs);
  } catch {
    return undefined;
  }
}
