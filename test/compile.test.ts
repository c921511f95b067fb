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

/** Single-file cases of every rule folder and its fixes/; a multi-file case folder compiles through its lib.rs or main.rs. */
function rustFiles(ruleDir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(ruleDir, { withFileTypes: true })) {
    const full = path.join(ruleDir, e.name);
    if (e.isFile() && e.name.endsWith('.rs')) out.push(full);
    else if (e.isDirectory() && e.name === 'fixes') out.push(...rustFiles(full));
    else if (e.isDirectory()) {
      const entry = ['lib.rs', 'main.rs'].map((f) => path.join(full, f)).find((f) => fs.existsSync(f));
      if (entry) out.push(entry);
    }
  }
  return out;
}

function allRuleFiles(): string[] {
  if (!fs.existsSync(FIXTURES)) return [];
  return fs.readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => rustFiles(path.join(FIXTURES, e.name)));
}

const hasRustc = rustcAvailable();
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-compile-'));

for (const file of allRuleFiles().sort()) {
  const text = fs.readFileSync(file, 'utf8');
  const h = headers(text);
  const rel = path.relative(FIXTURES, file);
  const skip = !hasRustc ? 'rustc is not installed' : h.needs.length ? `not std-only (needs ${h.needs.join(', ')})` : /\/\/\s*no-compile/.test(text.split('\n')[0]) ? 'marked no-compile' : false;
  test(`compiles: ${rel}`, { skip }, () => {
    const r = spawnSync('rustc', ['--edition', h.edition, '--crate-type', 'lib', '--emit=metadata', '-A', 'warnings', '--out-dir', outDir, '--crate-name', 'fixture', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${rel} does not compile:\n${r.stderr}`);
  });
}
