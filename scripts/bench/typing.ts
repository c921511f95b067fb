// Typing: single-character edits spread over a 10,000-line file, each timed from the change to the computed
// diagnostics (EngineDocument.applyChanges + analyze, no debounce), side by side with the bare incremental
// re-parse of the same edit (tree.edit + parse), alternating edit by edit so both see the same machine load.
// Between edits the document settles (EngineDocument.settle: the whole-file parse the fast path puts off, which the
// server runs when idle after publishing), timed separately.
// The bare loop keeps its text as the engine does (PieceText): building a 325,000-character string per edit would
// add a large copy to the reference and leave garbage that the next timed analysis pays for.
import * as fs from 'fs';
import { Engine } from '../../server/src/engine/analyze';
import { Edit, parse, type Tree } from '../../server/src/engine/parser';
import { PieceText } from '../../server/src/engine/piece-text';
import { functionItems } from '../../server/src/engine/syntax';
import { makeRandom, randomInt } from '../fuzz/inputs';
import type { CorpusFile } from './corpus';
import { summarize, type Summary } from './stats';

/** Whole corpus files (tokio's first: async code with locks) concatenated up to `lines` lines. */
export function assembleTypingFile(files: CorpusFile[], lines = 10_000): string {
  const ordered = [...files.filter((f) => f.path.includes('/tokio-')), ...files.filter((f) => !f.path.includes('/tokio-'))];
  const parts: string[] = [];
  let count = 0;
  for (const f of ordered) {
    if (f.bytes > 60_000) continue; // many medium files, like a real big module, not one generated table
    const text = fs.readFileSync(f.path, 'utf8');
    const fileLines = text.split('\n');
    const take = fileLines.slice(0, Math.min(fileLines.length, lines - count));
    parts.push(take.join('\n'));
    count += take.length;
    if (count >= lines) break;
  }
  return parts.join('\n');
}

export interface EditSite {
  offset: number;
  row: number;
  column: number;
}

/** Places inside function bodies, at the start of an indented line's code: where people type. */
export function editSites(text: string, count: number, seed: number): EditSite[] {
  const tree = parse(text)!;
  try {
    const bodies = functionItems(tree.rootNode)
      .map(({ fn }) => fn.childForFieldName('body'))
      .filter((b) => b !== null && b.endPosition.row - b.startPosition.row > 2);
    const rand = makeRandom(seed);
    const lines = text.split('\n');
    const lineStarts: number[] = [];
    let at = 0;
    for (const l of lines) {
      lineStarts.push(at);
      at += l.length + 1;
    }
    const sites: EditSite[] = [];
    while (sites.length < count && bodies.length) {
      const body = bodies[randomInt(rand, bodies.length)]!;
      const row = body.startPosition.row + 1 + randomInt(rand, body.endPosition.row - body.startPosition.row - 1);
      const column = /^\s*/.exec(lines[row])![0].length;
      if (column === lines[row].length) continue;
      sites.push({ offset: lineStarts[row] + column, row, column });
    }
    return sites;
  } finally {
    tree.delete();
  }
}

export interface TypingFigures {
  lines: number;
  bytes: number;
  edits: number;
  analyze: Summary;
  reparse: Summary;
  /** Every timed edit, in order (to pool several rounds). */
  analyzeTimes: number[];
  reparseTimes: number[];
  findings: number;
  /** Timed edits analysed by the fast path (one function); the rest changed the parse outside it. */
  functionScoped: number;
  /** Of the rest, edits that brought back the text before a whole-file analysis (an undo): its analysis was reused. */
  restored: number;
  /** Timed edits whose function was parsed alone (the whole-file parse waited for settle). */
  parsedAlone: number;
  /** The put-off whole-file parse after each of those edits (off the typing path: the server runs it when idle). */
  settleTimes: number[];
  /** Settles that found the function read differently in the whole file, and analysed again. */
  reanalysed: number;
}

/** Sites typed at (and undone) before the timed edits: other places than `timed`. */
export function warmupSites(text: string, timed: EditSite[], seed: number): EditSite[] {
  const timedOffsets = new Set(timed.map((s) => s.offset));
  return editSites(text, 40, seed + 1000).filter((s) => !timedOffsets.has(s.offset));
}

/** `edits` timed edits: an `x` typed at a site, then deleted again, at edits/2 sites spread over the file. */
export function benchTyping(engine: Engine, text: string, edits = 200, seed = 8): TypingFigures {
  const sites = editSites(text, edits / 2, seed);
  const doc = engine.openDocument('/bench/typing.rs', text);
  let tree: Tree | null = parse(text);
  let bareText = PieceText.of(text);
  const analyzeMs: number[] = [];
  let functionScoped = 0;
  let restored = 0;
  const reparseMs: number[] = [];
  const settleTimes: number[] = [];
  const counts = { parsedAlone: 0, reanalysed: 0 };
  let findings = doc.analyze().findings.length;
  // Untimed edits elsewhere first warm the JIT like a session that has been typing; the timed sites stay new, so each
  // first edit there finds nothing cached for its function.
  const rounds: { site: EditSite; insert: boolean; timed: boolean }[] = [];
  for (const site of warmupSites(text, sites, seed)) rounds.push({ site, insert: true, timed: false }, { site, insert: false, timed: false });
  for (const site of sites) rounds.push({ site, insert: true, timed: true }, { site, insert: false, timed: true });
  try {
    for (const { site, insert, timed } of rounds) {
      const change = insert ? { start: site.offset, end: site.offset, text: 'x' } : { start: site.offset, end: site.offset + 1, text: '' };
      let started = performance.now();
      doc.applyChanges([change]);
      let result = doc.analyze();
      const docMs = performance.now() - started;
      const parsedAlone = doc.lastParse === 'function';
      const scope = doc.lastScope;
      started = performance.now();
      const reanalyse = doc.settle();
      if (reanalyse) result = doc.analyze();
      const settleMs = performance.now() - started;
      findings = result.findings.length;

      started = performance.now();
      bareText = bareText.edited(change.start, change.end, change.text);
      tree!.edit(new Edit({
        startIndex: change.start,
        oldEndIndex: change.end,
        newEndIndex: change.start + change.text.length,
        startPosition: { row: site.row, column: site.column },
        oldEndPosition: { row: site.row, column: site.column + (change.end - change.start) },
        newEndPosition: { row: site.row, column: site.column + change.text.length },
      }));
      const next = parse(bareText, tree);
      tree!.delete();
      tree = next;
      const bareMs = performance.now() - started;
      if (timed) {
        if (scope === 'function') functionScoped++;
        if (scope === 'restored') restored++;
        if (parsedAlone) {
          counts.parsedAlone++;
          settleTimes.push(settleMs);
        }
        if (reanalyse) counts.reanalysed++;
        analyzeMs.push(docMs);
        reparseMs.push(bareMs);
      }
    }
  } finally {
    doc.dispose();
    tree?.delete();
  }
  return { lines: text.split('\n').length, bytes: Buffer.byteLength(text), edits: analyzeMs.length, analyze: summarize(analyzeMs), reparse: summarize(reparseMs), analyzeTimes: analyzeMs, reparseTimes: reparseMs, findings, functionScoped, restored, ...counts, settleTimes };
}
