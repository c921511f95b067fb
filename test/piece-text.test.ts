// PieceText: an open document's text in pieces answers every read exactly as the joined string would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PieceText, sameText } from '../server/src/engine/piece-text';
import { initParser, parse } from '../server/src/engine/parser';

function randomFrom(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

const ALPHABET = ['a', 'b', '\n', 'fn ', '\r\n', '😀', 'é', '中', '{', '}'];

function randomText(random: () => number, length: number): string {
  let text = '';
  while (text.length < length) text += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return text;
}

function assertSameReads(pieces: PieceText, text: string, random: () => number): void {
  assert.equal(pieces.length, text.length);
  for (let probe = 0; probe < 40; probe++) {
    const a = Math.floor(random() * (text.length + 2)) - 1;
    const b = a + Math.floor(random() * 40_000) - 100;
    assert.equal(pieces.slice(a, b), text.slice(a, b), `slice(${a}, ${b})`);
    assert.equal(pieces.charCodeAt(a), text.charCodeAt(a), `charCodeAt(${a})`);
    for (const search of ['fn', '\r\n', 'a\nb', '😀', '}}{', 'zz']) {
      assert.equal(pieces.indexOf(search, a), text.indexOf(search, a), `indexOf(${JSON.stringify(search)}, ${a})`);
      assert.equal(pieces.lastIndexOf(search, a), text.lastIndexOf(search, a), `lastIndexOf(${JSON.stringify(search)}, ${a})`);
      assert.equal(pieces.startsWith(search, a), text.startsWith(search, a));
    }
  }
  assert.equal(pieces.lastIndexOf('\n'), text.lastIndexOf('\n'));
  assert.equal(pieces.includes('中'), text.includes('中'));
}

test('edits and reads agree with a plain string, across piece boundaries', () => {
  const random = randomFrom(7);
  let text = randomText(random, 60_000);
  let pieces = PieceText.of(text);
  for (let step = 0; step < 300; step++) {
    const start = Math.floor(random() * (text.length + 1));
    const end = Math.min(text.length, start + Math.floor(random() * (step % 50 === 0 ? 20_000 : 30)));
    const inserted = step % 40 === 0 ? randomText(random, 30_000) : randomText(random, Math.floor(random() * 4));
    text = text.slice(0, start) + inserted + text.slice(end);
    pieces = pieces.edited(start, end, inserted);
    // Reads without the joined string first: joining caches it, and reads then go to it.
    if (step % 10 === 0) assertSameReads(pieces, text, random);
    assert.ok(sameText(pieces, text));
  }
  assert.equal(pieces.toString(), text);
  assertSameReads(pieces, text, random);
});

test('deleting everything and typing again', () => {
  let pieces = PieceText.of('fn main() {}\n'.repeat(2_000));
  pieces = pieces.edited(0, pieces.length, '');
  assert.equal(pieces.length, 0);
  assert.equal(pieces.slice(), '');
  pieces = pieces.edited(0, 0, 'x');
  assert.equal(pieces.toString(), 'x');
});

test('equality compares characters, not how the text was cut', () => {
  const text = 'fn a() {}\n'.repeat(5_000);
  const typed = PieceText.of(text).edited(100, 100, 'x');
  const undone = typed.edited(100, 101, '');
  assert.ok(sameText(undone, PieceText.of(text)));
  assert.ok(sameText(undone, text));
  assert.ok(!sameText(typed, text));
  assert.ok(!sameText(typed.edited(20_000, 20_001, 'y'), typed.edited(20_000, 20_001, 'z')));
});

test('tree-sitter reads a piece text like the string: same tree, emoji at a piece boundary', async () => {
  await initParser();
  // An emoji whose two halves would fall on both sides of the first cut (8,192 characters in).
  const filler = 'x'.repeat(8_191 - '// '.length);
  const text = `// ${filler}😀\nfn main() { let s = "中😀"; }\n`.repeat(3);
  const fromString = parse(text)!;
  const fromPieces = parse(PieceText.of(text).edited(0, 0, ''))!;
  try {
    assert.equal(fromPieces.rootNode.toString(), fromString.rootNode.toString());
    assert.equal(fromPieces.rootNode.hasError, false);
    const literal = fromPieces.rootNode.descendantsOfType('string_literal')[2]!;
    assert.equal(literal.text, '"中😀"');
    assert.equal(fromPieces.rootNode.text, text);
  } finally {
    fromString.delete();
    fromPieces.delete();
  }
});

test('a match that straddles two pieces is found from either side', () => {
  const cut = 8_192;
  const text = `${'x'.repeat(cut - 2)}needle${'y'.repeat(cut)}`;
  const pieces = PieceText.of(text).edited(0, 0, '');
  assert.equal(pieces.indexOf('needle'), cut - 2);
  assert.equal(pieces.indexOf('needle', 5), cut - 2);
  assert.equal(pieces.lastIndexOf('needle'), cut - 2);
  assert.ok(pieces.includes('edle'));
});

test('a surrogate pair split between pieces by edits reaches tree-sitter whole', async () => {
  await initParser();
  const emojiEnd = 8_192;
  const head = `fn a() { let s = "${'x'.repeat(emojiEnd - 2 - 'fn a() { let s = "'.length)}😀`;
  let text = `${head}"; }\n`;
  let pieces = PieceText.of(text);
  // Delete the low half at the end of the first piece, then type it back at the start of the second.
  pieces = pieces.edited(emojiEnd - 1, emojiEnd, '');
  text = text.slice(0, emojiEnd - 1) + text.slice(emojiEnd);
  pieces = pieces.edited(emojiEnd - 1, emojiEnd - 1, '\ude00');
  text = text.slice(0, emojiEnd - 1) + '\ude00' + text.slice(emojiEnd - 1);
  const tree = parse(pieces)!;
  try {
    assert.equal(tree.rootNode.hasError, false);
    assert.ok(tree.rootNode.descendantsOfType('string_literal')[0]!.text.endsWith('😀"'));
    assert.equal(pieces.toString(), text);
  } finally {
    tree.delete();
  }
});

test('searches take their start position as a string does: negative, fractional, NaN, past the end; empty texts and searches', () => {
  const froms = [-Infinity, -5, -1, -0.5, 0, 0.7, 1, 8_191, 8_192, 20_000, 29_999, 30_000, 30_001, Infinity, NaN, undefined];
  const text = 'fn a() {}\n'.repeat(3_000);
  const cases: [PieceText, string][] = [
    [PieceText.of(`x${text}`).edited(0, 1, ''), text],
    [PieceText.of('ab').edited(0, 2, ''), ''],
  ];
  for (const [pieces, plain] of cases) {
    for (const search of ['', 'f', 'fn', '}\nfn', 'zz']) {
      for (const from of froms) {
        const at = `(${JSON.stringify(search)}, ${from}) on ${plain.length} characters`;
        assert.equal(pieces.indexOf(search, from), plain.indexOf(search, from), `indexOf${at}`);
        assert.equal(pieces.lastIndexOf(search, from), plain.lastIndexOf(search, from), `lastIndexOf${at}`);
      }
      assert.equal(pieces.lastIndexOf(search), plain.lastIndexOf(search));
      assert.equal(pieces.includes(search), plain.includes(search));
    }
    assert.equal(pieces.slice(-3), plain.slice(-3));
  }
});
