// Real Rust to mutate: the project's own fixtures and example crate (always there), and, for the long run,
// Debian's crate sources when installed (scripts/bench/corpus.ts installs them).
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

/** Every `.rs` file under `dir`, walked iteratively, in a stable order. */
export function rustFilesUnder(dir: string, limit = Infinity): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length && out.length < limit) {
    const current = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : -1));
    for (const e of entries) {
      const full = path.join(current, e.name);
      if (e.isDirectory() && e.name !== 'target' && e.name !== 'node_modules') stack.push(full);
      else if (e.isFile() && e.name.endsWith('.rs')) out.push(full);
    }
  }
  return out.slice(0, limit);
}

function load(files: string[], maxBytes: number): { name: string; text: string }[] {
  return files
    .filter((f) => fs.statSync(f).size <= maxBytes)
    .map((f) => ({ name: path.relative(ROOT, f), text: fs.readFileSync(f, 'utf8') }));
}

/** The repository's own Rust: rule fixtures and the example crate. */
export function projectSources(): { name: string; text: string }[] {
  return load([...rustFilesUnder(path.join(ROOT, 'test/fixtures')), ...rustFilesUnder(path.join(ROOT, 'examples'))], 200_000);
}

/** Debian's crate sources, when installed. */
export function corpusSources(registry: string, limit: number): { name: string; text: string }[] {
  return fs.existsSync(registry) ? load(rustFilesUnder(registry, limit), 400_000) : [];
}
