// Every std-only fixture and every fix output must compile: the fixtures are real Rust, not sketches.
// Files with a `// needs: CRATE` header are not std-only and are skipped; so is everything when rustc is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync, spawnSync } from 'child_process';
import { headers } from './harness/fixtures';

const FIXTURES = path.join(__dirname, 'fixtures');

function rustcAvailable(): boolean {
  try {
    execFileSync('rustc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function rustFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      // A multi-file case compiles through its lib.rs or main.rs only.
      const entry = ['lib.rs', 'main.rs'].map((f) => path.join(full, f)).find((f) => fs.existsSync(f));
      if (entry) out.push(entry);
      else out.push(...rustFiles(full).filter((f) => path.dirname(f) !== full));
    } else if (e.name.endsWith('.rs')) out.push(full);
  }
  return out;
}

const hasRustc = rustcAvailable();
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-compile-'));

for (const file of fs.existsSync(FIXTURES) ? rustFiles(FIXTURES).sort() : []) {
  const text = fs.readFileSync(file, 'utf8');
  const h = headers(text);
  const rel = path.relative(FIXTURES, file);
  const skip = !hasRustc ? 'rustc is not installed' : h.needs.length ? `not std-only (needs ${h.needs.join(', ')})` : /\/\/\s*no-compile/.test(text.split('\n')[0]) ? 'marked no-compile' : false;
  test(`compiles: ${rel}`, { skip }, () => {
    const r = spawnSync('rustc', ['--edition', h.edition, '--crate-type', 'lib', '--emit=metadata', '-A', 'warnings', '--out-dir', outDir, '--crate-name', 'fixture', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${rel} does not compile:\n${r.stderr}`);
  });
}
