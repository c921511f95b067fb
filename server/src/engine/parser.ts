// Loads web-tree-sitter and the Rust grammar once; every Tree handed out must be deleted by its owner.
import * as fs from 'fs';
import * as path from 'path';
import { Parser, Language, Query, Tree, Node, Edit, type Range } from 'web-tree-sitter';
import { PieceText, type TextSource } from './piece-text';

export { Edit };
export type { Tree, Node, Range };

/**
 * `Node.parent` in tree-sitter walks down from the root (O(depth) per call), so walking all ancestors of
 * many nodes is cubic in the nesting depth: 250 nested `if let`s took 20 s. Parents are cached per tree
 * by node id (unique within a tree), which makes every later ancestor step a map lookup.
 */
function cacheParents(): void {
  const uncached = Object.getOwnPropertyDescriptor(Node.prototype, 'parent')?.get;
  if (!uncached) return;
  const byTree = new WeakMap<Tree, Map<number, Node | null>>();
  Object.defineProperty(Node.prototype, 'parent', {
    configurable: true,
    get(this: Node): Node | null {
      let parents = byTree.get(this.tree);
      if (!parents) byTree.set(this.tree, (parents = new Map()));
      let parent = parents.get(this.id);
      if (parent === undefined) parents.set(this.id, (parent = uncached.call(this) as Node | null));
      return parent;
    },
  });
  // An edited tree's nodes move: forget its cached parents (they carry positions) and memos.
  const edit = Tree.prototype.edit;
  Tree.prototype.edit = function (this: Tree, change: Edit): void {
    byTree.delete(this);
    memos.delete(this);
    edit.call(this, change);
  };
}

const memos = new WeakMap<Tree, Map<string, unknown>>();

/** Computes once per tree (until it is edited) what several rules ask of the same tree. */
export function memoPerTree<T>(tree: Tree, key: string, compute: () => T): T {
  let byKey = memos.get(tree);
  if (!byKey) memos.set(tree, (byKey = new Map()));
  if (!byKey.has(key)) byKey.set(key, compute());
  return byKey.get(key) as T;
}
cacheParents();

let language: Language | undefined;
let parser: Parser | undefined;
/** Parses parts of a text (parseRanges): its own parser, so the main one never keeps included ranges. */
let rangeParser: Parser | undefined;
const queryCache = new Map<string, Query>();

/** Where the two wasm files live: beside the bundle when packaged, in node_modules in development. */
function locateWasm(file: string, packagePath: string): string {
  const besideBundle = path.join(__dirname, file);
  if (fs.existsSync(besideBundle)) return besideBundle;
  return require.resolve(packagePath);
}

export async function initParser(): Promise<void> {
  if (parser) return;
  const runtime = locateWasm('web-tree-sitter.wasm', 'web-tree-sitter/web-tree-sitter.wasm');
  await Parser.init({ locateFile: () => runtime });
  language = await Language.load(locateWasm('tree-sitter-rust.wasm', 'tree-sitter-rust/tree-sitter-rust.wasm'));
  parser = new Parser();
  parser.setLanguage(language);
  rangeParser = new Parser();
  rangeParser.setLanguage(language);
}

function requireParser(): Parser {
  if (!parser) throw new Error('initParser() must be awaited before parsing');
  return parser;
}

const INCREMENTAL_WITHOUT_TIMEOUT = 1 << 20;
/**
 * Real Rust parses at about 10,000 characters per ms; the slowest input the fuzzer knows (random ASCII) at about
 * 270. A text shorter than the timeout times this rate (5× slower still) cannot run out of time: it parses without
 * the progress callback, which alone costs ~10% of a parse.
 */
const SLOWEST_CHARS_PER_MS = 50;

export interface ParseOptions {
  /** Give up after this many milliseconds; the result is then null. */
  timeoutMs?: number;
}

/** Parses `text`, reusing `oldTree` (already edited with tree.edit) for an incremental parse. */
export function parse(text: TextSource, oldTree?: Tree | null, options: ParseOptions = {}): Tree | null {
  const p = requireParser();
  const input = new ParseInput(text);
  try {
    // The progress callback crosses from WASM into JS thousands of times per parse (about 4 ms on a 400 KB file):
    // an incremental re-parse of a file under 1 MB cannot run long, so it goes without one.
    const timeoutMs = options.timeoutMs;
    const cannotTimeOut = !timeoutMs || text.length <= timeoutMs * SLOWEST_CHARS_PER_MS;
    if (cannotTimeOut || (oldTree && text.length < INCREMENTAL_WITHOUT_TIMEOUT)) return p.parse(input.read, oldTree ?? null);
    const deadline = performance.now() + timeoutMs;
    // The callback runs very often; reading the clock only every 64th call keeps an incremental re-parse cheap.
    let calls = 0;
    const tree = p.parse(input.read, oldTree ?? null, {
      progressCallback: () => (++calls & 63) === 0 && performance.now() > deadline,
    });
    // A cancelled parse is kept for resuming: the next call, on another text, would continue it.
    if (!tree) p.reset();
    return tree;
  } finally {
    input.parsed = true;
  }
}

/**
 * Parses only `ranges` of `text` (sorted, not overlapping): nodes keep their offsets in the whole text. Callers keep
 * the ranges small (one function and the headers around it), so no timeout is needed.
 */
export function parseRanges(text: TextSource, ranges: Range[]): Tree | null {
  if (!rangeParser) throw new Error('initParser() must be awaited before parsing');
  const input = new ParseInput(text);
  try {
    return rangeParser.parse(input.read, null, { includedRanges: ranges });
  } finally {
    input.parsed = true;
  }
}

/** Characters handed to tree-sitter per read while it parses. */
const PARSE_CHUNK = 256;

/**
 * The text as tree-sitter reads it. web-tree-sitter copies what a read returns, up to 5,119 characters, and an
 * incremental re-parse reads at many places a few characters each: given the whole string, ~20% of a keystroke's
 * re-parse went to copying text it never looked at. While parsing, reads return short pieces (a full parse reads
 * in order and costs the same). The tree keeps the same function to answer `node.text`: once parsed, a read
 * returns the whole rest again, so a node's text stays one slice, not a concatenation of pieces.
 */
class ParseInput {
  parsed = false;

  constructor(private readonly text: TextSource) {}

  readonly read = (index: number): string => (this.parsed ? this.rest(index) : this.text.slice(index, pieceEnd(this.text, index + PARSE_CHUNK)));

  private rest(index: number): string {
    return this.text instanceof PieceText ? this.text.restOfPiece(index) : this.text.slice(index);
  }
}

/**
 * Points an edited tree's `node.text` at the edited text: tree-sitter keeps reading the text it last parsed, while
 * `tree.edit` has already moved the nodes (the typing fast path reads an edited tree before parsing it again).
 */
export function readTreeFrom(tree: Tree, text: TextSource): void {
  const input = new ParseInput(text);
  input.parsed = true;
  (tree as unknown as { textCallback: ParseInput['read'] }).textCallback = input.read;
}

/** A piece never ends between the two halves of a surrogate pair (tree-sitter would decode half an emoji). */
function pieceEnd(text: TextSource, end: number): number {
  const last = text.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff ? end + 1 : end;
}

/** Parses, runs `use`, and always deletes the tree. */
export function withTree<T>(text: string, use: (tree: Tree) => T): T {
  const tree = parse(text);
  if (!tree) throw new Error('parse failed');
  try {
    return use(tree);
  } finally {
    tree.delete();
  }
}

/** Compiled queries are cached by source: compiling costs more than running. */
export function query(source: string): Query {
  let q = queryCache.get(source);
  if (!q) {
    if (!language) throw new Error('initParser() must be awaited before querying');
    q = new Query(language, source);
    queryCache.set(source, q);
  }
  return q;
}
