// Against clippy: `cargo clippy --offline` re-checking a small std-only crate after a one-character edit
// (warm: the crate was checked once before), versus our edit-to-diagnostics on the same file.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Engine } from '../../server/src/engine/analyze';
import { crateInfoFor } from '../../server/src/engine/crate';

const SEED_CRATE = path.resolve(__dirname, '../../examples/seed-crate');

/** A private copy of the example crate (so its target/ is ours), with the file edited. */
export function copyCrate(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-clippy-'));
  fs.copyFileSync(path.join(SEED_CRATE, 'Cargo.toml'), path.join(dir, 'Cargo.toml'));
  if (fs.existsSync(path.join(SEED_CRATE, 'Cargo.lock'))) fs.copyFileSync(path.join(SEED_CRATE, 'Cargo.lock'), path.join(dir, 'Cargo.lock'));
  fs.cpSync(path.join(SEED_CRATE, 'src'), path.join(dir, 'src'), { recursive: true });
  return { dir, file: path.join(dir, 'src/lib.rs') };
}

function clippy(dir: string): void {
  const run = spawnSync('cargo', ['clippy', '--offline', '--quiet'], { cwd: dir, encoding: 'utf8' });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`cargo clippy exited ${run.status}: ${run.stderr.slice(0, 400)}`);
}

export function clippyAvailable(): boolean {
  const run = spawnSync('cargo', ['clippy', '--version'], { encoding: 'utf8' });
  return !run.error && run.status === 0;
}

/** Warm re-checks: each round appends or removes one space at the end of the file, then runs clippy. */
export function clippyRechecks(dir: string, file: string, rounds: number): number[] {
  clippy(dir); // cold build, not timed
  const original = fs.readFileSync(file, 'utf8');
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    fs.writeFileSync(file, i % 2 === 0 ? `${original} ` : original);
    const started = performance.now();
    clippy(dir);
    times.push(performance.now() - started);
  }
  fs.writeFileSync(file, original);
  return times;
}

/** Our side: the same file open in the engine, a character typed and removed, each timed to diagnostics. */
export function oursOnSameFile(file: string, rounds: number): { times: number[]; findings: number } {
  const engine = new Engine();
  const text = fs.readFileSync(file, 'utf8');
  const doc = engine.openDocument(file, text, crateInfoFor(file));
  const at = text.indexOf('\n', text.indexOf('fn ')) + 1;
  const times: number[] = [];
  let findings = doc.analyze().findings.length;
  try {
    for (let i = 0; i < rounds + 10; i++) {
      const change = i % 2 === 0 ? { start: at, end: at, text: ' ' } : { start: at, end: at + 1, text: '' };
      const started = performance.now();
      doc.applyChanges([change]);
      findings = doc.analyze().findings.length;
      if (i >= 10) times.push(performance.now() - started);
    }
  } finally {
    doc.dispose();
  }
  return { times, findings };
}
