// unsafe-without-safety-comment: an `unsafe` block or `unsafe impl` without a `// SAFETY:` comment stating why it is sound.
import type { Node } from '../engine/parser';
import type { Fix, RuleContext, Rule } from '../engine/rule';
import { query } from '../engine/parser';
import type { TextSource } from '../engine/piece-text';

const SAFETY = /safety:/i;
/** Parents that hold statements or items: the climb from the block to "its statement" stops below them. */
const STATEMENT_HOLDERS = new Set(['block', 'source_file', 'declaration_list', 'match_block']);

/** Candidates, found natively (a tree walk in JS is ten times slower on big files). */
const UNSAFE_QUERY = `
(unsafe_block) @block
(impl_item "unsafe") @impl
(trait_item "unsafe") @api
(function_item (function_modifiers)) @api
(function_signature_item (function_modifiers)) @api`;

/** Parent steps per file: in machine-made nesting each costs O(depth); past it, anchors are the nodes themselves. */
interface Budget {
  steps: number;
}
const CLIMB_BUDGET = 50_000;

/** Ancestors, innermost first, until `stop` matches (included) or `limit` steps: `node.parent` costs O(depth). */
function climb(node: Node, stop: (n: Node) => boolean, limit: number, budget: Budget): Node[] {
  const out: Node[] = [];
  for (let p = node.parent; p && out.length < limit && budget.steps-- > 0; p = p.parent) {
    out.push(p);
    if (stop(p)) break;
  }
  return out;
}

const isPub = (node: Node) => node.namedChildren.find((c) => c?.type === 'visibility_modifier')?.text === 'pub';

/**
 * `pub unsafe fn` (free or inherent method; trait impls are documented on the trait) or `pub unsafe trait`: its users
 * need its contract. Returns the part to underline: `unsafe fn name` / `unsafe trait Name`.
 */
function publicUnsafeApi(node: Node, budget: Budget): { start: number; end: number } | undefined {
  const name = node.childForFieldName('name');
  if (!name) return undefined;
  if (node.type === 'trait_item') {
    const kw = node.children.find((c) => c?.type === 'unsafe');
    return kw && isPub(node) && exportedModules(node, budget) ? { start: kw.startIndex, end: name.endIndex } : undefined;
  }
  if (node.type !== 'function_item' && node.type !== 'function_signature_item') return undefined;
  const modifiers = node.namedChildren.find((c) => c?.type === 'function_modifiers');
  if (!modifiers || !/\bunsafe\b/.test(modifiers.text)) return undefined;
  const up = exportedModules(node, budget);
  if (!up) return undefined;
  const owner = up[1];
  // Methods of a `pub trait` are public through it; methods of a trait impl are documented on the trait.
  const exported = owner?.type === 'trait_item' ? isPub(owner) : isPub(node) && !(owner?.type === 'impl_item' && owner.childForFieldName('trait'));
  return exported ? { start: modifiers.startIndex, end: name.endIndex } : undefined;
}

/**
 * The item's ancestors (innermost first) when every inline `mod` around it is `pub`, else undefined. Items sit
 * shallow, so climbing to the file is cheap; one too deep to reach it is treated as not exported.
 */
function exportedModules(node: Node, budget: Budget): Node[] | undefined {
  const up = climb(node, (n) => n.type === 'source_file', 64, budget);
  if (up[up.length - 1]?.type !== 'source_file') return undefined;
  return up.every((p) => p.type !== 'mod_item' || isPub(p)) ? up : undefined;
}

/**
 * Whether a file is a crate root, where `pub` means exported: `lib.rs`, `main.rs`, `build.rs`, `src/bin/*`, or a file
 * outside any `src/` folder (a single-file crate). A module file's `pub` items may be private to the crate: clippy
 * knows, Blindspot cannot, so it stays silent there.
 */
export function isCrateRoot(filePath: string): boolean {
  const p = filePath.replace(/\\/g, '/');
  return /(^|\/)(lib|main|build)\.rs$/.test(p) || /\/src\/bin\//.test(p) || !/(^|\/)src\//.test(p);
}

/** A `# Safety` heading in the doc comments (line, block or `#[doc]` attributes) above the item. */
function hasSafetySection(item: Node): boolean {
  for (let s = item.previousSibling; s; s = s.previousSibling) {
    if (s.type === 'attribute_item') {
      if (/^#\[\s*doc\s*=\s*"\s*#+\s*Safety\b/.test(s.text)) return true;
      continue;
    }
    if (s.type !== 'line_comment' && s.type !== 'block_comment') return false;
    // A markdown heading: `/// # Safety`, or a ` * # Safety` line of a `/** … */` comment.
    if (/^\/\/\/\s*#+\s*Safety\b/.test(s.text) || (s.text.startsWith('/**') && /(^\/\*\*|\n)[\s*]*#+\s*Safety\b/.test(s.text))) return true;
  }
  return false;
}

/** `/// # Safety` lines above the item (after its attributes and docs), for the author to complete. */
function insertSafetySection(path: string, text: TextSource, item: Node): Fix {
  const lineStart = text.lastIndexOf('\n', item.startIndex - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, item.startIndex))![0];
  const lines = `${indent}///\n${indent}/// # Safety\n${indent}///\n${indent}/// `;
  const cursor = lineStart + lines.length;
  return { title: 'Add a `# Safety` doc section', edits: [{ path, edits: [{ start: lineStart, end: lineStart, newText: `${lines}\n` }] }], select: { path, start: cursor, end: cursor } };
}

/**
 * The block itself, then each enclosing expression up to its statement, let or item: a comment above any of them
 * counts. In absurdly deep expressions only the innermost few and the statement are kept (sibling lookups cost O(depth)).
 */
function anchorsOf(node: Node, budget: Budget): Node[] {
  const up = climb(node, (n) => STATEMENT_HOLDERS.has(n.type), MAX_CLIMB, budget);
  const anchors = [node, ...(STATEMENT_HOLDERS.has(up[up.length - 1]?.type ?? '') ? up.slice(0, -1) : up)];
  return anchors.length <= MAX_ANCHORS ? anchors : [...anchors.slice(0, MAX_ANCHORS - 1), anchors[anchors.length - 1]];
}

const MAX_ANCHORS = 8;
const MAX_CLIMB = 64;

/** Only whitespace between the line's start and `offset`. */
function startsLine(text: TextSource, offset: number): boolean {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return text.slice(lineStart, offset).trim() === '';
}

/**
 * Comments between the previous statement (or item) and `anchor`: above it, with blank lines and attributes allowed in
 * between, a block comment just before it on its line, or (as clippy reads it) trailing the previous statement's line.
 */
function hasSafetyComment(anchor: Node): boolean {
  for (let s = anchor.previousSibling; s; s = s.previousSibling) {
    if (s.type === 'attribute_item') continue;
    if (s.type !== 'line_comment' && s.type !== 'block_comment') return false;
    if (SAFETY.test(s.text)) return true;
  }
  return false;
}

/** The part to underline: the `unsafe` keyword of a block, the header of an impl. */
function flaggedRange(node: Node): { start: number; end: number } {
  if (node.type === 'impl_item') return { start: node.startIndex, end: node.childForFieldName('type')?.endIndex ?? node.endIndex };
  const kw = node.children.find((c) => c?.type === 'unsafe');
  return { start: node.startIndex, end: kw?.endIndex ?? node.endIndex };
}

/** A `// SAFETY: ` line above the statement (same indentation), or an inline block comment when it does not start a line. */
function insertSafetyComment(path: string, text: TextSource, target: Node): Fix {
  const at = target.startIndex;
  if (startsLine(text, at)) {
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    const indent = text.slice(lineStart, at);
    const comment = `${indent}// SAFETY: `;
    const cursor = lineStart + comment.length;
    return { title: 'Add a `// SAFETY:` comment', edits: [{ path, edits: [{ start: lineStart, end: lineStart, newText: `${comment}\n` }] }], select: { path, start: cursor, end: cursor } };
  }
  const cursor = at + '/* SAFETY: '.length;
  return { title: 'Add a `/* SAFETY: */` comment', edits: [{ path, edits: [{ start: at, end: at, newText: '/* SAFETY:  */ ' }] }], select: { path, start: cursor, end: cursor } };
}

export const unsafeWithoutSafetyComment: Rule = {
  id: 'unsafe-without-safety-comment',
  severity: 'warning',
  clippyLints: ['undocumented_unsafe_blocks', 'missing_safety_doc'],
  docs: {
    summary: '`unsafe` block or `unsafe impl` without a `// SAFETY:` comment; `pub unsafe fn`/`trait` without a `# Safety` doc section.',
    whatItDoes:
      'Flags every `unsafe { … }` block and `unsafe impl` that has no comment containing `SAFETY:` (any case) directly above it: above the block, or above the statement, `let` or item that contains it; blank lines and attributes may sit between the comment and the code, and a `/* SAFETY: … */` block comment on the same line before it also counts. Also flags, in a crate root file, an exported `pub unsafe fn` (free, inherent method, or method of a `pub trait`) or `pub unsafe trait` whose doc comments have no `# Safety` section: the contract its callers or implementors must keep.',
    whyBad:
      'An `unsafe` block is a promise that invariants the compiler cannot check hold here. Unwritten, the promise cannot be reviewed, and the next edit breaks it silently: undefined behaviour behind a safe API, the "transitive unsoundness" users of your crate inherit.',
    example: 'fn first(v: &[u8]) -> u8 {\n    unsafe { *v.get_unchecked(0) }\n}',
    useInstead: 'fn first(v: &[u8]) -> u8 {\n    assert!(!v.is_empty());\n    // SAFETY: the assert above guarantees index 0 is in bounds.\n    unsafe { *v.get_unchecked(0) }\n}',
    differences:
      'Follows clippy::undocumented_unsafe_blocks (comment above the block or its statement, attributes and blank lines allowed in between, `SAFETY:` anywhere in the comment group, a comment trailing the previous statement counts); `#[allow(clippy::undocumented_unsafe_blocks)]` silences it. The `# Safety` part follows clippy::missing_safety_doc (exported items only; `#[allow(clippy::missing_safety_doc)]` also silences the rule), but only in crate root files (`lib.rs`, `main.rs`, single-file crates): in a module file a `pub` item may be private to the crate, which only a build knows. Deliberate differences (see `scripts/compare-clippy-leaks.ts`): a `/* SAFETY: … */` block comment on the same line just before `unsafe` is accepted (clippy 1.95 asks for the preceding line); Blindspot does not look inside macro invocations (it sees tokens, not expanded code). The fix only inserts `// SAFETY: ` for you to complete, so it is never applied unattended.',
  },
  // Unsafe blocks in functions are checked per function (cached while the function is unchanged); the file pass
  // only reads what lies outside function bodies: `unsafe impl`/`unsafe trait` headers, trait signatures, statics.
  mentions: ['unsafe'],
  checkFunction(ctx) {
    checkCandidates(ctx, query(UNSAFE_QUERY).captures(ctx.fn), { steps: CLIMB_BUDGET });
  },
  /** checkFile reads only what lies outside function bodies: typing in one changes none of its findings. */
  updateFileFindings: () => true,
  checkFile(ctx: RuleContext) {
    if (!ctx.file.text.includes('unsafe')) return;
    const candidates: Candidate[] = [];
    candidatesOutsideFunctions(ctx.file.root, candidates, 0);
    checkCandidates(ctx, candidates, { steps: CLIMB_BUDGET });
  },
};

interface Candidate {
  name: string;
  node: Node;
}

const hasUnsafeKeyword = (node: Node) => node.children.some((c) => c?.type === 'unsafe');

function candidatesOutsideFunctions(container: Node, out: Candidate[], depth: number): void {
  for (const child of container.namedChildren) {
    if (!child) continue;
    const type = child.type;
    // Every candidate's text says `unsafe` (a text test is far cheaper than reading the item's nodes).
    if (type === 'function_item' || !child.text.includes('unsafe')) continue;
    if (type === 'impl_item' || type === 'trait_item' || type === 'mod_item') {
      if (type === 'impl_item' && hasUnsafeKeyword(child)) out.push({ name: 'impl', node: child });
      if (type === 'trait_item' && hasUnsafeKeyword(child)) out.push({ name: 'api', node: child });
      const body = child.childForFieldName('body');
      if (body && depth < 64) candidatesOutsideFunctions(body, out, depth + 1);
    } else if (type === 'function_signature_item') {
      if (child.namedChildren.some((c) => c?.type === 'function_modifiers')) out.push({ name: 'api', node: child });
    } else {
      out.push(...query(UNSAFE_QUERY).captures(child));
    }
  }
}

function checkCandidates(ctx: RuleContext, candidates: Candidate[], budget: Budget): void {
  const { file } = ctx;
  const root = isCrateRoot(file.path);
  for (const { name, node } of candidates) {
    if (name === 'api') {
      const api = root ? publicUnsafeApi(node, budget) : undefined;
      if (!api || hasSafetySection(node)) continue;
      const what = node.type === 'trait_item' ? '`pub unsafe trait`' : '`pub unsafe fn`';
      ctx.report({
        range: api,
        message: `${what} without a \`# Safety\` doc section: say what ${node.type === 'trait_item' ? 'implementors' : 'callers'} must guarantee`,
        fixes: [insertSafetySection(file.path, file.text, node)],
        notes: ['List the conditions a caller must uphold (valid pointers, lengths, aliasing, thread-safety) under a `# Safety` heading.'],
      });
      continue;
    }
    const anchors = anchorsOf(node, budget);
    if (anchors.some(hasSafetyComment)) continue;
    const what = node.type === 'impl_item' ? '`unsafe impl`' : '`unsafe` block';
    ctx.report({
      range: flaggedRange(node),
      message: `${what} without a \`// SAFETY:\` comment: state the invariant that makes it sound`,
      fixes: [insertSafetyComment(file.path, file.text, anchors[anchors.length - 1])],
      notes: ['Write above it why every unsafe operation inside is sound here (which caller guarantee or check makes it so).'],
    });
  }
}
