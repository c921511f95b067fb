// The benchmark corpus: real Rust from Debian's `librust-*-dev` packages (tokio, hyper, regex, serde and
// everything they depend on), which put crate sources under /usr/share/cargo/registry. Installing is
// idempotent: nothing runs when the crates are already there.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { rustFilesUnder } from '../fuzz/sources';

export const REGISTRY = '/usr/share/cargo/registry';
export const CORPUS_PACKAGES = ['librust-tokio-dev', 'librust-hyper-dev', 'librust-regex-dev', 'librust-serde-dev'];
const MARKERS = ['tokio-', 'hyper-', 'regex-', 'serde-'];

function installed(): boolean {
  if (!fs.existsSync(REGISTRY)) return false;
  const crates = fs.readdirSync(REGISTRY);
  return MARKERS.every((m) => crates.some((c) => c.startsWith(m)));
}

function apt(args: string[]): void {
  // Another apt run may hold the lock: wait for it rather than fail.
  const aptArgs = ['-o', 'DPkg::Lock::Timeout=600', ...args];
  const [command, argv] = process.getuid?.() === 0 ? ['apt-get', aptArgs] : ['sudo', ['-n', 'apt-get', ...aptArgs]];
  execFileSync(command, argv, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Installs the corpus packages if needed (apt-get update first); returns false when that is impossible. */
export function ensureCorpus(log: (line: string) => void = console.log): boolean {
  if (installed()) return true;
  log(`corpus: installing ${CORPUS_PACKAGES.join(' ')} (Debian) …`);
  try {
    apt(['update', '-qq']);
    apt(['install', '-y', '-qq', '--no-install-recommends', ...CORPUS_PACKAGES]);
  } catch (error) {
    log(`corpus: install failed: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  return installed();
}

export interface CorpusFile {
  path: string;
  bytes: number;
}

/** Every `.rs` file of every crate in the registry, in a stable order. */
export function corpusFiles(): CorpusFile[] {
  return rustFilesUnder(REGISTRY)
    .sort()
    .map((p) => ({ path: p, bytes: fs.statSync(p).size }));
}

/** The crate folder a corpus file belongs to (`tokio-1.24.2`). */
export function crateOf(file: string): string {
  return path.relative(REGISTRY, file).split(path.sep)[0];
}

// Run as a script (`node --import tsx scripts/bench/corpus.ts`), not when bundled into another entry point.
if (require.main === module && /corpus\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  const ok = ensureCorpus();
  const files = ok ? corpusFiles() : [];
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  console.log(ok ? `corpus: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB under ${REGISTRY}` : 'corpus: not available');
  process.exit(ok ? 0 : 1);
}
