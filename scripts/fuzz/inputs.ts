// Inputs the fuzzer feeds the engine: generated (random bytes, deep nesting, huge files and lines)
// and mutated (truncated, spliced, re-encoded real Rust). Every generator is deterministic in its seed,
// so a failure is reproduced from the seed the run prints.

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same inputs on every machine. */
export function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

export const randomInt = (rand: Random, max: number): number => Math.floor(rand() * max);
const pick = <T>(rand: Random, list: readonly T[]): T => list[randomInt(rand, list.length)];

/** One fuzz case: either bytes (go through the CLI's decode path first) or text (straight to the engine). */
export type FuzzInput = { name: string; bytes: Uint8Array } | { name: string; text: string };

const NESTING = 10_000;

/** Shapes nested 10,000 deep: each is (prefix, suffix) wrapped around itself, inside a valid context. */
const DEEP_SHAPES: { name: string; before: string; open: string; close: string; after: string }[] = [
  { name: 'blocks', before: 'fn f() ', open: '{ ', close: '}', after: '\n' },
  { name: 'parens', before: 'fn f() { let x = ', open: '(', close: ')', after: '; }\n' },
  { name: 'generics', before: 'struct S { f: ', open: 'Vec<', close: '>', after: ' }\n' },
  { name: 'refs', before: 'fn f(x: ', open: '&', close: '', after: 'u8) {}\n' },
  { name: 'mods', before: '', open: 'mod m { ', close: '}', after: '\n' },
  { name: 'impls-fns', before: '', open: 'fn f() { ', close: '}', after: '\n' },
  { name: 'closures', before: 'fn f() { let c = ', open: '|| ', close: '', after: '(); }\n' },
  { name: 'async-blocks', before: 'async fn f() { ', open: 'async { x.lock().unwrap(); ', close: 'y.await }', after: ' }\n' },
  { name: 'use-groups', before: 'use ', open: 'a::{', close: '}', after: ';\n' },
  { name: 'if-lets', before: 'async fn f() { ', open: 'if let Some(g) = m.lock().unwrap().get() { ', close: 'f().await }', after: ' }\n' },
  { name: 'match', before: 'fn f() { ', open: 'match x.lock() { _ => ', close: '}', after: ' }\n' },
  { name: 'method-chain', before: 'async fn f() { m', open: '', close: '.lock().unwrap()', after: '.await; }\n' },
  { name: 'unclosed', before: 'fn f() ', open: '{ (', close: '', after: '\n' },
  { name: 'tuple-types', before: 'type T = ', open: '(', close: ',)', after: 'u8;\n' },
  { name: 'arrays', before: 'static S: ', open: '[', close: '; 1]', after: 'u8 = 0;\n' },
  { name: 'attributes', before: '', open: '#[a] ', close: '', after: 'fn f() {}\n' },
];

export function deepNesting(depth = NESTING): FuzzInput[] {
  return DEEP_SHAPES.map((s) => ({ name: `deep-${s.name}`, text: s.before + s.open.repeat(depth) + s.close.repeat(depth) + s.after }));
}

/** A one-line expression of `size` characters: a left-deep binary tree about size/4 levels deep. */
export function longLine(size: number): FuzzInput[] {
  const sum = '1 + '.repeat(Math.ceil(size / 4));
  const calls = 'a.b()'.repeat(Math.ceil(size / 5));
  const string = `"${'x'.repeat(size)}"`;
  return [
    { name: 'long-line-sum', text: `fn f() { let x = ${sum}1; }\n` },
    { name: 'long-line-chain', text: `async fn f() { ${calls}; g().await; }\n` },
    { name: 'long-line-string', text: `fn f() { let s = ${string}; }\n` },
    { name: 'long-line-comment', text: `// ${'é'.repeat(size / 2)}\nfn f() {}\n` },
  ];
}

/** A file far over any size cap, built without holding two copies of it. */
export function hugeFile(bytes: number, unit: string): FuzzInput {
  return { name: `huge-${Math.round(bytes / 1e6)}MB`, text: unit.repeat(Math.ceil(bytes / unit.length)) };
}

export function randomBytes(rand: Random, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = randomInt(rand, 256);
  return out;
}

/** Random bytes without NUL, so they are not refused as binary and reach the decoder. */
function randomNonNulBytes(rand: Random, length: number): Uint8Array {
  const out = randomBytes(rand, length);
  for (let i = 0; i < length; i++) if (out[i] === 0) out[i] = 1;
  return out;
}

const INVALID_UTF8 = [[0xc3], [0xff], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xc0, 0xaf]];

/** Real Rust with a few invalid UTF-8 sequences (lone surrogates, overlong forms, truncated sequences) dropped in. */
export function invalidUtf8(rand: Random, source: string): Uint8Array {
  const bytes = Array.from(Buffer.from(source, 'utf8'));
  for (let n = 0; n < 3; n++) bytes.splice(randomInt(rand, bytes.length + 1), 0, ...pick(rand, INVALID_UTF8));
  return Uint8Array.from(bytes);
}

export const withCrlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');
export const withBom = (text: string): Uint8Array => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);

/** Cut at a random UTF-16 offset: may split a surrogate pair or a token. */
export function truncated(rand: Random, text: string): string {
  return text.slice(0, randomInt(rand, text.length + 1));
}

/** A random slice of one file pasted at a random point of another. */
export function spliced(rand: Random, into: string, from: string): string {
  const at = randomInt(rand, into.length + 1);
  const a = randomInt(rand, from.length + 1);
  const b = a + randomInt(rand, Math.min(4000, from.length - a + 1));
  return into.slice(0, at) + from.slice(a, b) + into.slice(at);
}

const NOISE = ['{', '}', '(', ')', '.await', '.lock()', 'async ', 'unsafe ', "'", '"', '/*', '*/', '//', 'r#"', '#[', ']', ';', '\n', '\r', '\t', '\u{1F600}', '\uD83D', '\uDE00', '\u0301', '中'];

/** Real text with a handful of random insertions and deletions of Rust-ish tokens. */
export function mutated(rand: Random, text: string): string {
  let out = text;
  const count = 1 + randomInt(rand, 8);
  for (let n = 0; n < count; n++) {
    const at = randomInt(rand, out.length + 1);
    if (rand() < 0.5) out = out.slice(0, at) + pick(rand, NOISE) + out.slice(at);
    else out = out.slice(0, at) + out.slice(at + randomInt(rand, 40));
  }
  return out;
}

/** Identifiers and strings in other scripts, on lines that also hold findings' usual shapes. */
export function nonAsciiIdentifiers(): FuzzInput {
  const text = [
    'use std::sync::Mutex;',
    'struct Données { état: Mutex<u32>, 名前: std::cell::RefCell<String> }',
    'async fn überprüfen(données: &Données) {',
    '    let garde = données.état.lock().unwrap(); // 🦀 émoji e\u0301',
    '    let 値 = données.名前.borrow_mut();',
    '    attendre().await;',
    '    println!("{} {} 😀", garde, 値);',
    '}',
    'async fn attendre() {}',
    'fn ñ() { let ß = Box::leak(Box::new(1)); std::mem::forget(ß); }',
    '',
  ].join('\n');
  return { name: 'non-ascii-identifiers', text };
}

/** Every generated input that needs no real source. Sizes scale with `scale` (1 = the full run's sizes). */
export function generatedInputs(rand: Random, scale: number): FuzzInput[] {
  const oneMB = Math.round(1_000_000 * scale);
  return [
    ...deepNesting(),
    ...longLine(oneMB),
    hugeFile(50_000_000, 'fn f() { let x = 1; }\n'),
    { name: 'random-bytes', bytes: randomBytes(rand, 4096) },
    { name: 'random-bytes-no-nul', bytes: randomNonNulBytes(rand, 4096) },
    { name: 'random-ascii', text: Array.from({ length: 4096 }, () => String.fromCharCode(32 + randomInt(rand, 95))).join('') },
    { name: 'lone-surrogates', text: 'fn f() { let s = "\uD800"; }\n\uDC00 async fn g() { m.lock().unwrap(); h().await; }\n' },
    { name: 'empty', text: '' },
    { name: 'only-bom', bytes: Uint8Array.from([0xef, 0xbb, 0xbf]) },
    { name: 'nul-bytes', bytes: Uint8Array.from([0x66, 0x6e, 0x00, 0x20]) },
    nonAsciiIdentifiers(),
  ];
}

/** Inputs derived from real files: truncated, spliced, mutated, CRLF, BOM, invalid UTF-8. */
export function mutatedInputs(rand: Random, sources: { name: string; text: string }[], count: number): FuzzInput[] {
  const out: FuzzInput[] = [];
  for (let n = 0; n < count; n++) {
    const a = pick(rand, sources);
    const b = pick(rand, sources);
    switch (n % 6) {
      case 0: out.push({ name: `truncated:${a.name}`, text: truncated(rand, a.text) }); break;
      case 1: out.push({ name: `spliced:${a.name}+${b.name}`, text: spliced(rand, a.text, b.text) }); break;
      case 2: out.push({ name: `mutated:${a.name}`, text: mutated(rand, a.text) }); break;
      case 3: out.push({ name: `crlf:${a.name}`, bytes: Buffer.from(withCrlf(a.text), 'utf8') }); break;
      case 4: out.push({ name: `bom:${a.name}`, bytes: withBom(rand() < 0.5 ? a.text : withCrlf(a.text)) }); break;
      default: out.push({ name: `invalid-utf8:${a.name}`, bytes: invalidUtf8(rand, a.text) });
    }
  }
  return out;
}
