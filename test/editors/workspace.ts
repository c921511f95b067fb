// The small Rust workspace both editor suites open, and what our own engine says about it: the editor
// tests compare what the editor shows against the engine's findings and fixes instead of hard-coding
// messages and titles.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Engine } from '../../server/src/engine/analyze';
import { crateInfoFromManifest } from '../../server/src/engine/crate';
import { applyFixes } from '../../server/src/engine/fixer';
import { initParser } from '../../server/src/engine/parser';
import type { Finding, Fix } from '../../server/src/engine/rule';
import { rules } from '../../server/src/rules';

export const REPO = path.resolve(__dirname, '..', '..');
/** Screenshots, logs and results; $BLINDSPOT_EDITORS_OUTPUT moves them (e.g. for two runs side by side). */
export const OUTPUT = process.env.BLINDSPOT_EDITORS_OUTPUT ? path.resolve(process.env.BLINDSPOT_EDITORS_OUTPUT) : path.join(REPO, 'test-output', 'editors');
export const RULE = 'lock-across-await';

const MANIFEST = `[package]
name = "editors-demo"
version = "0.1.0"
edition = "2021"
`;

/** Opened in the editor: the seed's lock-across-await example, the guard on line 7. */
const MAIN_RS = `mod other;
use std::sync::{Arc, Mutex};

async fn tick() {}

pub async fn bump(counter: Arc<Mutex<u64>>) {
    let mut guard = counter.lock().unwrap();
    *guard += 1;
    tick().await;
}

fn main() {}
`;

/** Never opened: only the workspace scan can report it. */
const OTHER_RS = `use std::sync::RwLock;

async fn flush() {}

pub async fn rename(name: &RwLock<String>) {
    let mut slot = name.write().unwrap();
    slot.push('!');
    flush().await;
}
`;

export interface Expected {
  /** The finding on the opened file's guard line. */
  finding: Finding;
  /** 0-based line of the guard. */
  guardLine: number;
  guardLineText: string;
  fixTitles: string[];
  preferred: Fix;
  /** The opened file's text after the preferred fix. */
  fixedText: string;
  /** Findings of the file that is never opened. */
  unopened: Finding[];
}

export interface RustWorkspace {
  root: string;
  main: string;
  other: string;
  expected: Expected;
}

/** Writes the workspace into a fresh temp folder and works out the expected results with the engine. */
export async function makeWorkspace(prefix: string): Promise<RustWorkspace> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `blindspot-${prefix}-`)));
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'Cargo.toml'), MANIFEST);
  const main = path.join(root, 'src', 'main.rs');
  const other = path.join(root, 'src', 'other.rs');
  fs.writeFileSync(main, MAIN_RS);
  fs.writeFileSync(other, OTHER_RS);
  return { root, main, other, expected: await expectations(main, other) };
}

async function expectations(main: string, other: string): Promise<Expected> {
  await initParser();
  const engine = new Engine(rules);
  const crate = crateInfoFromManifest(MANIFEST);
  engine.indexText(main, MAIN_RS);
  engine.indexText(other, OTHER_RS);
  const finding = engine.checkText(main, MAIN_RS, crate).findings.find((f) => f.ruleId === RULE);
  if (!finding) throw new Error(`the engine no longer reports ${RULE} on the demo workspace`);
  const preferred = finding.fixes.find((f) => f.preferred);
  if (!preferred) throw new Error(`${RULE} offers no preferred fix on the demo workspace`);
  const fixedText = applyFixes(new Map([[main, MAIN_RS]]), [preferred]).texts.get(main)!;
  const guardLine = MAIN_RS.slice(0, finding.range.start).split('\n').length - 1;
  return {
    finding,
    guardLine,
    guardLineText: MAIN_RS.split('\n')[guardLine],
    fixTitles: finding.fixes.map((f) => f.title),
    preferred,
    fixedText,
    unopened: engine.checkText(other, OTHER_RS, crate).findings,
  };
}

export function outputPath(name: string): string {
  fs.mkdirSync(OUTPUT, { recursive: true });
  return path.join(OUTPUT, name);
}

/** The first line of a rule's summary without markdown backticks, as an editor renders it. */
export function plainSummary(ruleId: string): string {
  const rule = rules.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`unknown rule ${ruleId}`);
  return rule.docs.summary.replace(/`/g, '');
}
