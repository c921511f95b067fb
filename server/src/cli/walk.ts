// Finds the Rust files to check: explicit files as given, folders walked (iteratively) for `*.rs`,
// honouring .gitignore files (nested ones too, and those above the folder up to the git root) and
// never entering build output or VCS folders.
import * as fs from 'fs';
import * as path from 'path';
import ignore, { type Ignore } from 'ignore';

/** Folders never worth entering, whatever .gitignore says. */
const ALWAYS_SKIPPED = new Set(['target', '.git', 'node_modules']);

interface IgnoreLayer {
  base: string;
  rules: Ignore;
}

export interface WalkResult {
  /** Absolute paths, in a stable order, each once. */
  files: string[];
  /** Folders or entries that could not be read: reported, not fatal. */
  skipped: { path: string; reason: string }[];
  /** Paths given on the command line that do not exist: a usage error. */
  missing: string[];
}

function loadIgnoreFile(file: string): Ignore | undefined {
  try {
    return ignore().add(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function layerFor(dir: string, file: string): IgnoreLayer[] {
  const rules = loadIgnoreFile(file);
  return rules ? [{ base: dir, rules }] : [];
}

/** .gitignore files above `dir` up to the repository root, outermost first, after .git/info/exclude. */
function ancestorLayers(dir: string): IgnoreLayer[] {
  const above: string[] = [];
  let d = dir;
  while (!fs.existsSync(path.join(d, '.git'))) {
    const parent = path.dirname(d);
    if (parent === d) return []; // not in a git repository: only the walked folders' own .gitignore files count
    d = parent;
    above.push(d);
  }
  const layers = layerFor(d, path.join(d, '.git', 'info', 'exclude'));
  for (const folder of above.reverse()) layers.push(...layerFor(folder, path.join(folder, '.gitignore')));
  return layers;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Git's rule: the deepest .gitignore that says anything about a path wins (so `!keep.rs` can re-include). */
function isIgnored(abs: string, isDir: boolean, layers: IgnoreLayer[]): boolean {
  let ignored = false;
  for (const layer of layers) {
    const rel = toPosix(path.relative(layer.base, abs));
    if (!rel || rel.startsWith('..')) continue;
    const verdict = layer.rules.test(isDir ? `${rel}/` : rel);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
}

function entryKind(abs: string, entry: fs.Dirent): 'dir' | 'file' | 'other' {
  if (entry.isDirectory()) return 'dir';
  if (entry.isFile()) return 'file';
  if (!entry.isSymbolicLink()) return 'other';
  // Linked files are read; linked folders are not followed (they can form cycles).
  try {
    return fs.statSync(abs).isFile() ? 'file' : 'other';
  } catch {
    return 'other';
  }
}

function walkFolder(start: string, out: WalkResult, seen: Set<string>): void {
  const stack: { dir: string; layers: IgnoreLayer[] }[] = [{ dir: start, layers: ancestorLayers(start) }];
  while (stack.length) {
    const { dir, layers: outer } = stack.pop()!;
    const layers = [...outer, ...layerFor(dir, path.join(dir, '.gitignore'))];
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      out.skipped.push({ path: dir, reason: `cannot read folder: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subfolders: string[] = [];
    for (const entry of entries) {
      const abs = path.join(dir, entry.name);
      const kind = entryKind(abs, entry);
      if (kind === 'dir') {
        if (!ALWAYS_SKIPPED.has(entry.name) && !isIgnored(abs, true, layers)) subfolders.push(abs);
      } else if (kind === 'file' && entry.name.endsWith('.rs') && !isIgnored(abs, false, layers) && !seen.has(abs)) {
        seen.add(abs);
        out.files.push(abs);
      }
    }
    // Reversed so the stack pops them in name order: output order is stable and readable.
    for (const sub of subfolders.reverse()) stack.push({ dir: sub, layers });
  }
}

export function collectFiles(paths: string[], cwd: string): WalkResult {
  const out: WalkResult = { files: [], skipped: [], missing: [] };
  const seen = new Set<string>();
  for (const given of paths) {
    const abs = path.resolve(cwd, given);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      out.missing.push(given);
      continue;
    }
    if (stat.isDirectory()) walkFolder(abs, out, seen);
    else if (!stat.isFile()) out.skipped.push({ path: abs, reason: 'not a regular file' }); // a FIFO would block the read
    else if (!seen.has(abs)) {
      // A file named on the command line is checked whatever its name or .gitignore says.
      seen.add(abs);
      out.files.push(abs);
    }
  }
  return out;
}
