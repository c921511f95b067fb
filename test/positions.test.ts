// Positions are exact on lines with emoji (surrogate pairs), CJK and combining characters:
// LSP ranges count UTF-16 code units, CLI columns count characters (Unicode code points, as rustc does).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../server/src/engine/analyze';
import { initParser } from '../server/src/engine/parser';
import { LineIndex } from '../server/src/engine/text';
import { toRange } from '../server/src/lsp/diagnostics';
import { SourceLines } from '../server/src/cli/report';

before(async () => {
  await initParser();
});

/** Where `needle` starts on its line: UTF-16 units (LSP) and 1-based code points (CLI). */
function expectedColumns(text: string, needle: string): { line: number; utf16: number; chars: number } {
  const offset = text.indexOf(needle);
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(0, lineStart).split('\n').length - 1;
  const before = text.slice(lineStart, offset);
  return { line, utf16: before.length, chars: Array.from(before).length + 1 };
}

const PREFIXES = {
  emoji: 'let s = "🦀😀👩‍👩‍👧";',
  cjk: 'let s = "中文字符";',
  combining: 'let s = "e\u0301a\u0308o\u0302";',
  mixed: 'let 名前 = "é😀中";',
};

for (const [kind, prefix] of Object.entries(PREFIXES)) {
  test(`finding after ${kind} on the same line: LSP range in UTF-16 units, CLI column in characters`, () => {
    const text = `use std::mem;\nfn f(x: String) {\n    ${prefix} mem::forget(x);\n}\n`;
    const { findings } = new Engine().checkText('/positions.rs', text);
    const f = findings.find((x) => x.ruleId === 'mem-forget');
    assert.ok(f, 'mem-forget fires');
    assert.equal(text.slice(f.range.start, f.range.end).startsWith('mem::forget'), true);
    const want = expectedColumns(text, 'mem::forget(x)');

    const range = toRange(new LineIndex(text), f.range);
    assert.deepEqual(range.start, { line: want.line, character: want.utf16 });
    assert.equal(range.end.line, want.line);

    const lines = new SourceLines(1 << 20);
    lines.remember('/positions.rs', text);
    const place = lines.place('/positions.rs', f.range.start);
    assert.equal(place.line, want.line + 1);
    assert.equal(place.column, want.chars);
    assert.equal(place.utf16Column, want.utf16 + 1);
    assert.ok(place.column < place.utf16Column || kind === 'cjk' || kind === 'combining', 'emoji count once as characters, twice as UTF-16 units');
  });
}

test('LineIndex round-trips every offset on a line of surrogate pairs, CJK and combining marks', () => {
  const text = 'a😀b\r\n中e\u0301\n👩‍👩‍👧x';
  const lines = new LineIndex(text);
  for (let offset = 0; offset <= text.length; offset++) {
    const p = lines.positionAt(offset);
    const isLineBreak = text[offset - 1] === '\r' && text[offset] === '\n';
    if (!isLineBreak) assert.equal(lines.offsetAt(p), offset, `offset ${offset}`);
  }
  assert.deepEqual(lines.positionAt(text.indexOf('b')), { line: 0, character: 3 });
  assert.equal(lines.charColumn(text.indexOf('b')), 3);
  assert.equal(lines.lineText(0), 'a😀b', 'CR is not part of the line');
  assert.equal(lines.charColumn(text.indexOf('x')), 6, 'family emoji: 5 code points (3 people, 2 joiners)');
  assert.deepEqual(lines.positionAt(text.indexOf('x')), { line: 2, character: 8 });
});

test('an emoji or a CRLF before the flagged call shifts nothing in the analysis itself', () => {
  const plain = 'use std::mem;\nfn f(x: String) {\n    mem::forget(x);\n}\n';
  const fancy = 'use std::mem;\r\nfn f(x: String) {\r\n    /* 😀 */ mem::forget(x);\r\n}\r\n';
  const a = new Engine().checkText('/a.rs', plain).findings.filter((f) => f.ruleId === 'mem-forget');
  const b = new Engine().checkText('/b.rs', fancy).findings.filter((f) => f.ruleId === 'mem-forget');
  assert.equal(a.length, 1);
  assert.equal(b.length, 1);
  assert.equal(fancy.slice(b[0].range.start, b[0].range.end), plain.slice(a[0].range.start, a[0].range.end));
});
