// parse(): what the engine's single entry to tree-sitter guarantees whatever the text and the timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initParser, parse } from '../server/src/engine/parser';

test('a parse that timed out leaves nothing behind for the next one', async () => {
  await initParser();
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  // Random ASCII is the slowest input known; 1 ms cannot be enough for 400,000 characters of it.
  const garbage = Array.from({ length: 400_000 }, () => String.fromCharCode(32 + Math.floor(random() * 90))).join('');
  assert.equal(parse(garbage, null, { timeoutMs: 1 }), null);
  const text = 'fn main() { let x = 1; }\n';
  const tree = parse(text)!;
  try {
    assert.equal(tree.rootNode.endIndex, text.length);
    assert.equal(tree.rootNode.hasError, false);
  } finally {
    tree.delete();
  }
});

test('text read in pieces never splits a surrogate pair: emoji-heavy code parses as a whole string would', async () => {
  await initParser();
  // A char literal right after a run of emoji: a piece ending on the first half of its emoji breaks the literal.
  const item = (pad: number) => `// ${'x'.repeat(pad)}\nfn f() { let s = "${'😀'.repeat(300)}"; let t = '😀'; }\n`;
  for (let pad = 0; pad < 8; pad++) {
    const text = item(pad).repeat(5);
    const tree = parse(text)!;
    try {
      assert.equal(tree.rootNode.hasError, false, `padding ${pad}`);
      assert.equal(tree.rootNode.text, text);
    } finally {
      tree.delete();
    }
  }
});
