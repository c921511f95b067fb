// Where a file stores into or reads struct fields: struct-literal inits and `.field` accesses, with the shape of the
// value stored and the method chain applied. Kept small (offsets and short texts): rc-cycle records it per file
// (Rule.collectFileData) so that its workspace check can build the cross-file "Downgrade to Weak" fix without trees.
import type { Node } from '../parser';
import { parse, query } from '../parser';
import { implHeader } from '../syntax';
import { OffsetShift } from '../incremental';
import type { TextSource } from '../piece-text';

export type ValueShape =
  | { kind: 'none' | 'default' | 'rcnew' | 'other'; start: number; end: number }
  /** `Some(v)`, `RefCell::new(v)`, `Box::new(v)`: `ctor` is `Some` or the type's last segment. */
  | { kind: 'wrap'; ctor: string; inner: ValueShape; start: number; end: number }
  /** `x.clone()` or `Rc::clone(e)`: `borrowed` is what `Rc::downgrade` takes (`&x`, or `e` as written). */
  | { kind: 'clone'; borrowed: string; start: number; end: number };

export interface ChainLink {
  /** Method name: `borrow`, `replace`, `clone`… */
  name: string;
  /** From the `.` before the name to the end of the call. */
  start: number;
  end: number;
  arg?: ValueShape;
}

export interface FieldSite {
  field: string;
  kind: 'init' | 'shorthand' | 'access';
  /** Init: the struct literal's type name (`Self` resolved). Access on `self`: the impl's type name. */
  owner?: string;
  /** `self.field`: the receiver's type is the impl's. */
  onSelf: boolean;
  /** The value an init or an assignment stores. */
  value?: ValueShape;
  /** Access: method calls applied to the field, in order. */
  chain: ChainLink[];
  /** Access: the value of the last call is used (not a statement of its own). */
  resultUsed: boolean;
  start: number;
  end: number;
  /** Start of the line of the statement containing the site, and its indentation: where a TODO comment goes. */
  lineStart: number;
  indent: string;
}

export interface FieldSites {
  sites: FieldSite[];
  /** False when the file nests so deep that collecting stopped early: a fix built from these sites could miss some. */
  complete: boolean;
  /** A line start where a new `use` item may be inserted (after the last top-level `use`, or after inner attributes). */
  useInsertAt: number;
  /** Inline `mod { … }` bodies: imports of the file's top level are not in scope there. */
  modules: { start: number; end: number }[];
  /** Struct name -> derived traits `Weak` does not implement (`PartialEq`, `Hash`, …): a Weak field breaks the derive. */
  weakIncompatibleDerives: Record<string, { traits: string[]; lineStart: number; indent: string }>;
}

const WEAK_LACKS = new Set(['PartialEq', 'Eq', 'PartialOrd', 'Ord', 'Hash']);

/** Derives in the attributes right above a struct that a `Weak` field would break. */
function incompatibleDerives(item: Node): string[] {
  const found: string[] = [];
  for (let s = item.previousNamedSibling; s && (s.type === 'attribute_item' || s.type.endsWith('comment')); s = s.previousNamedSibling) {
    const m = /^#\[\s*derive\s*\(([^)]*)\)/.exec(s.text);
    for (const name of m?.[1].split(',') ?? []) {
      const trait = last(name.trim());
      if (WEAK_LACKS.has(trait)) found.push(trait);
    }
  }
  return found;
}

/** True when `offset` lies inside an inline module (where the file's top-level `use` items do not apply). */
export function inInlineModule(sites: FieldSites, offset: number): boolean {
  return sites.modules.some((m) => m.start <= offset && offset < m.end);
}

const MAX_CHAIN = 4;
const MAX_SHAPE_DEPTH = 4;

const last = (path: string) => path.slice(path.lastIndexOf(':') + 1);

function calleeText(call: Node): string | undefined {
  let f = call.childForFieldName('function');
  if (f?.type === 'generic_function') f = f.childForFieldName('function');
  return f && (f.type === 'identifier' || f.type === 'scoped_identifier') ? f.text.replace(/\s+/g, '') : undefined;
}

function firstArg(call: Node): Node | undefined {
  return call.childForFieldName('arguments')?.namedChildren.find((a): a is Node => !!a && !a.type.endsWith('comment'));
}

function argCount(call: Node): number {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a && !a.type.endsWith('comment')).length;
}

/** What a stored expression is, as far as a Weak rewrite cares. */
export function shapeOf(node: Node, depth = 0): ValueShape {
  const span = { start: node.startIndex, end: node.endIndex };
  if (node.type === 'parenthesized_expression' && node.namedChildren[0] && depth <= MAX_SHAPE_DEPTH) return shapeOf(node.namedChildren[0], depth + 1);
  if ((node.type === 'identifier' || node.type === 'scoped_identifier') && last(node.text) === 'None') return { kind: 'none', ...span };
  if (node.type !== 'call_expression' || depth > MAX_SHAPE_DEPTH) return { kind: 'other', ...span };
  const callee = calleeText(node);
  const arg = firstArg(node);
  const fn = node.childForFieldName('function');
  if (!callee) {
    // `x.clone()`
    if (fn?.type === 'field_expression' && fn.childForFieldName('field')?.text === 'clone' && argCount(node) === 0) {
      return { kind: 'clone', borrowed: `&${fn.childForFieldName('value')!.text}`, ...span };
    }
    return { kind: 'other', ...span };
  }
  const segs = callee.split('::');
  const name = segs[segs.length - 1];
  const type = segs.length > 1 ? segs[segs.length - 2] : '';
  // `Default::default()`, `OnceCell::new()`, `Weak::new()`: an empty value, valid for the Weak type as well.
  if ((name === 'default' || name === 'new') && argCount(node) === 0) return { kind: 'default', ...span };
  if ((type === 'Rc' || type === 'Arc') && name === 'clone' && arg && argCount(node) === 1) return { kind: 'clone', borrowed: arg.text, ...span };
  if ((type === 'Rc' || type === 'Arc') && name.startsWith('new')) return { kind: 'rcnew', ...span };
  if (arg && argCount(node) === 1 && (callee === 'Some' || callee.endsWith('Option::Some'))) return { kind: 'wrap', ctor: 'Some', inner: shapeOf(arg, depth + 1), ...span };
  if (arg && argCount(node) === 1 && name === 'new' && type) return { kind: 'wrap', ctor: type, inner: shapeOf(arg, depth + 1), ...span };
  return { kind: 'other', ...span };
}

/**
 * A site's ancestors, innermost first, up to and including its statement holder (a block, the file, a module body,
 * a struct literal's field list), at most MAX_CLIMB of them: `node.parent` costs O(depth), so climbs stay short.
 */
function ancestorsToStatement(node: Node, budget: Budget): Node[] {
  const out: Node[] = [];
  for (let p = node.parent; p && out.length < MAX_CLIMB && budget.steps-- > 0; p = p.parent) {
    out.push(p);
    if (STATEMENT_HOLDERS.has(p.type)) break;
  }
  return out;
}

const MAX_CLIMB = 48;
/** Parent steps per file: machine-made nesting makes each step cost O(depth); past the budget the sites are incomplete. */
const CLIMB_BUDGET = 50_000;
interface Budget {
  steps: number;
}
const STATEMENT_HOLDERS = new Set(['block', 'source_file', 'declaration_list', 'field_initializer_list']);

/** The statement (or item) containing `node` (`up` = its ancestors, innermost first): line start and indentation. */
function statementLine(node: Node, up: Node[], text: TextSource): { lineStart: number; indent: string } {
  const holder = up.findIndex((n) => STATEMENT_HOLDERS.has(n.type));
  const stmt = holder > 0 ? up[holder - 1] : holder === 0 ? node : up[up.length - 1] ?? node;
  const lineStart = text.lastIndexOf('\n', stmt.startIndex - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, stmt.startIndex))![0];
  return { lineStart, indent };
}

/** The type name of the `impl` around `node`: `impl<T> Foo<T>` -> `Foo` (searched a bounded number of levels up). */
function implTypeName(node: Node, budget: Budget): string | undefined {
  let steps = 0;
  for (let p = node.parent; p && steps < 4 * MAX_CLIMB && budget.steps-- > 0; p = p.parent, steps++) {
    if (p.type !== 'impl_item') continue;
    const t = p.childForFieldName('type');
    const base = t?.type === 'generic_type' ? t.childForFieldName('type') : t;
    return base ? last(base.text) : undefined;
  }
  return undefined;
}

function literalOwner(init: Node, up: Node[], budget: Budget): string | undefined {
  const literal = up[0]?.type === 'field_initializer_list' ? up[0].parent : undefined;
  if (literal?.type !== 'struct_expression') return undefined;
  const name = literal.childForFieldName('name');
  const base = name?.type === 'generic_type_with_turbofish' || name?.type === 'generic_type' ? name.childForFieldName('type') : name;
  const written = base ? last(base.text) : undefined;
  return written === 'Self' ? implTypeName(init, budget) : written;
}

/** Method calls applied to `fe` (`.borrow().clone()`), then whether the result is stored into (`*… = v`, `… = v`). */
function accessSite(fe: Node, text: TextSource, budget: Budget): FieldSite | undefined {
  const field = fe.childForFieldName('field');
  const receiver = fe.childForFieldName('value');
  if (!field || !receiver) return undefined;
  const up = ancestorsToStatement(fe, budget);
  const chain: ChainLink[] = [];
  let cur = fe;
  let at = -1; // index in `up` of `cur`'s parent is at + 1
  while (chain.length < MAX_CHAIN) {
    const member = up[at + 1];
    const call = up[at + 2];
    if (member?.type !== 'field_expression' || member.childForFieldName('value')?.id !== cur.id || call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== member.id) break;
    const arg = firstArg(call);
    chain.push({ name: member.childForFieldName('field')!.text, start: cur.endIndex, end: call.endIndex, arg: arg ? shapeOf(arg) : undefined });
    cur = call;
    at += 2;
  }
  let target = cur;
  let targetAt = at;
  const deref = up[targetAt + 1];
  if (deref?.type === 'unary_expression' && deref.child(0)?.type === '*') {
    target = deref;
    targetAt++;
  }
  const parent = up[targetAt + 1];
  const assign = parent?.type === 'assignment_expression' && parent.childForFieldName('left')?.id === target.id ? parent : undefined;
  const right = assign?.childForFieldName('right');
  const onSelf = receiver.type === 'self';
  return {
    field: field.text, kind: 'access', owner: onSelf ? implTypeName(fe, budget) : undefined, onSelf, value: right ? shapeOf(right) : undefined,
    chain, resultUsed: !assign && up[at + 1]?.type !== 'expression_statement', start: fe.startIndex, end: fe.endIndex, ...statementLine(fe, up, text),
  };
}

function initSite(init: Node, kind: 'init' | 'shorthand', text: TextSource, budget: Budget): FieldSite | undefined {
  const name = kind === 'init' ? init.childForFieldName('field') : init.namedChildren[0];
  if (!name) return undefined;
  const value = kind === 'init' ? init.childForFieldName('value') : null;
  const up = ancestorsToStatement(init, budget);
  return {
    field: name.text, kind, owner: literalOwner(init, up, budget), onSelf: false, value: value ? shapeOf(value) : undefined, chain: [], resultUsed: false,
    start: init.startIndex, end: init.endIndex, ...statementLine(init, up, text),
  };
}

/** After the last top-level `use`, inner attribute or inner doc comment (a `use` may not precede those). */
function useInsertOffset(root: Node, text: TextSource): number {
  let after = 0;
  for (const child of root.namedChildren) {
    if (!child) continue;
    const inner = child.type === 'inner_attribute_item' || text.startsWith('//!', child.startIndex) || text.startsWith('/*!', child.startIndex);
    if (child.type === 'use_declaration' || inner) {
      const nl = text.indexOf('\n', child.endIndex - 1);
      after = nl < 0 ? text.length : nl + 1;
    } else if (child.type !== 'line_comment' && child.type !== 'block_comment') break;
  }
  return after;
}

const SITES_QUERY = `
(field_expression) @access
(call_expression function: (field_expression) @callee)
(field_initializer) @init
(shorthand_field_initializer) @shorthand
(mod_item body: (declaration_list) @module)
(struct_item) @struct`;

interface Collected {
  sites: FieldSite[];
  modules: { start: number; end: number }[];
  derives: FieldSites['weakIncompatibleDerives'];
  complete: boolean;
}

/** One native query finds the candidates under `node`; each is then read with a few bounded parent steps. */
function collectUnder(node: Node, text: TextSource, out: Collected): void {
  const captures = query(SITES_QUERY).captures(node);
  const callees = new Set(captures.filter((c) => c.name === 'callee').map((c) => c.node.id));
  const budget: Budget = { steps: CLIMB_BUDGET };
  for (const { name, node: n } of captures) {
    if (budget.steps <= 0) break;
    let site: FieldSite | undefined;
    if (name === 'access' && !callees.has(n.id)) site = accessSite(n, text, budget);
    else if (name === 'init') site = initSite(n, 'init', text, budget);
    else if (name === 'shorthand') site = initSite(n, 'shorthand', text, budget);
    else if (name === 'module') out.modules.push({ start: n.startIndex, end: n.endIndex });
    else if (name === 'struct') {
      const structName = n.childForFieldName('name')?.text;
      const bad = structName ? incompatibleDerives(n) : [];
      if (structName && bad.length) out.derives[structName] = { traits: bad, ...statementLine(n, ancestorsToStatement(n, budget), text) };
    }
    if (site) out.sites.push(site);
  }
  if (budget.steps <= 0) out.complete = false;
}

function shiftShape(shape: ValueShape, delta: number): ValueShape {
  const moved = { ...shape, start: shape.start + delta, end: shape.end + delta };
  return moved.kind === 'wrap' ? { ...moved, inner: shiftShape(moved.inner, delta) } : moved;
}

/** A site with every offset moved by `delta` (typing moves thousands of them: no generic deep copy). */
export function shiftSite(site: FieldSite, delta: number): FieldSite {
  return {
    ...site,
    start: site.start + delta,
    end: site.end + delta,
    lineStart: site.lineStart + delta,
    value: site.value && shiftShape(site.value, delta),
    chain: site.chain.length ? site.chain.map((c) => ({ ...c, start: c.start + delta, end: c.end + delta, arg: c.arg && shiftShape(c.arg, delta) })) : site.chain,
  };
}

function shifted(sites: FieldSite[], delta: number): FieldSite[] {
  return sites.map((s) => shiftSite(s, delta));
}

/** Sites of one item by its text (and impl header, which decides `self`): typing re-collects only the item it touched. */
const itemSites = new Map<string, { sites: FieldSite[]; complete: boolean }>();
const MAX_CACHED_FUNCTIONS = 4096;

export function forgetItemSites(): void {
  itemSites.clear();
}

/** Sites of one item (a function, or a macro call, const or static outside functions), cached by its text. */
function sitesOfItem(fn: Node, impl: Node | null, text: TextSource, out: Collected, cacheable = true): void {
  const header = implHeader(impl, text);
  const key = `${header}\u0000${fn.text}`;
  let cached = itemSites.get(key);
  if (!cached) {
    const own: Collected = { sites: [], modules: out.modules, derives: out.derives, complete: true };
    collectUnder(fn, text, own);
    cached = { sites: shifted(own.sites, -fn.startIndex), complete: own.complete };
    if (cacheable) {
      if (itemSites.size >= MAX_CACHED_FUNCTIONS) itemSites.delete(itemSites.keys().next().value!);
      itemSites.set(key, cached);
    }
  }
  out.sites.push(...shifted(cached.sites, fn.startIndex));
  if (!cached.complete) out.complete = false;
}

/** The sites a function had with `oldText`, at `start`, if they are still cached (typing: the text before the edit). */
export function cachedFunctionSites(impl: Node | null, oldText: string, text: TextSource, start: number): FieldSite[] | undefined {
  const cached = itemSites.get(`${implHeader(impl, text)}\u0000${oldText}`);
  return cached && shifted(cached.sites, start);
}

/** One function's sites replaced after an edit inside it: sites from `oldEnd` on move by `delta` (`map` for line starts). */
export interface SitesMove {
  start: number;
  oldEnd: number;
  fresh: FieldSite[];
  delta: number;
  map: (offset: number) => number;
  /** Where the edit's own offset map starts moving offsets (`map` is `offset >= editEnd ? offset + delta : offset`). */
  editEnd: number;
}

/**
 * A run of sites still in a file after typing: source[from, to), each moved by `shift` (the edits since the run's
 * sites were collected). Edits keep runs in order: the edited function's run is dropped, its fresh sites become a
 * new run, and runs after it take the edit's shift. Typing in one function keeps the number of runs constant.
 */
interface SitesRun {
  source: FieldSite[];
  from: number;
  to: number;
  shift: OffsetShift;
}

/** Runs not yet copied into a plain array: copied when the workspace check reads a file's sites. */
const pendingRuns = new WeakMap<FieldSites, SitesRun[]>();
/** More runs than this (typing in that many functions) and the sites are copied once, into one run. */
const MAX_RUNS = 256;

/**
 * The runs after one more move: runs wholly before the function are kept as they are, runs after it take the edit's
 * shift (composed once per distinct shift), and only the run around the function is cut (two binary searches).
 */
function runsAfter(runs: SitesRun[], move: SitesMove): SitesRun[] {
  const edit = { oldEnd: move.editEnd, delta: move.delta };
  const out: SitesRun[] = [];
  const composed = new Map<OffsetShift, OffsetShift>();
  const pushMoved = (run: SitesRun, from: number, to: number) => {
    let shift = composed.get(run.shift);
    if (!shift) composed.set(run.shift, (shift = run.shift.then(edit)));
    out.push({ source: run.source, from, to, shift });
  };
  let placed = false;
  const placeFresh = () => {
    if (!placed && move.fresh.length) out.push({ source: move.fresh, from: 0, to: move.fresh.length, shift: OffsetShift.identity });
    placed = true;
  };
  for (const run of runs) {
    // Within a run every site has the same shift, so current offsets are sorted.
    if (run.shift.map(run.source[run.to - 1].start) < move.start) {
      out.push(run);
      continue;
    }
    if (run.shift.map(run.source[run.from].start) >= move.oldEnd) {
      placeFresh();
      pushMoved(run, run.from, run.to);
      continue;
    }
    // The run around the function: its sites before it, the fresh ones, its sites after it.
    const lo = firstAtOrAfter(run, move.start);
    const hi = Math.max(lo, firstAtOrAfter(run, move.oldEnd));
    if (lo > run.from) out.push({ ...run, to: lo });
    placeFresh();
    if (hi < run.to) pushMoved(run, hi, run.to);
  }
  // Every site was before the function: its fresh sites come last.
  placeFresh();
  return out;
}

/** Index of the first site of the run whose current start is at or after `offset`. */
function firstAtOrAfter(run: SitesRun, offset: number): number {
  let low = run.from;
  let high = run.to;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (run.shift.map(run.source[mid].start) < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The runs' sites as one array, each moved site copied once. */
function sitesOf(runs: SitesRun[]): FieldSite[] {
  const out: FieldSite[] = [];
  for (const run of runs) {
    for (let i = run.from; i < run.to; i++) {
      const site = run.source[i];
      const delta = run.shift.at(site.start);
      const lineStart = run.shift.map(site.lineStart);
      out.push(delta === 0 && lineStart === site.lineStart ? site : { ...shiftSite(site, delta), lineStart });
    }
  }
  return out;
}

/**
 * A file's sites after typing in one function: everything but `sites` moved now (small), `sites` (thousands in a
 * large file) moved when first read, which is only when the workspace findings are recomputed.
 */
export function movedSites(data: FieldSites, move: SitesMove): FieldSites {
  const runs = runsAfter(pendingRuns.get(data) ?? (data.sites.length ? [{ source: data.sites, from: 0, to: data.sites.length, shift: OffsetShift.identity }] : []), move);
  const outline = outlineAfter(pendingOutlines.get(data) ?? { modules: data.modules, derives: data.weakIncompatibleDerives, shift: OffsetShift.identity }, move);
  const rest = { complete: data.complete, useInsertAt: move.map(data.useInsertAt) };
  if (runs.length > MAX_RUNS) return { ...rest, ...movedOutline(outline), sites: sitesOf(runs) };
  let sites: FieldSite[] | undefined;
  let moved: ReturnType<typeof movedOutline> | undefined;
  const lazy = (get: () => unknown) => ({ enumerable: true, get });
  const result = Object.defineProperties(rest, {
    sites: lazy(() => (sites ??= sitesOf(runs))),
    modules: lazy(() => (moved ??= movedOutline(outline)).modules),
    weakIncompatibleDerives: lazy(() => (moved ??= movedOutline(outline)).weakIncompatibleDerives),
  }) as FieldSites;
  pendingRuns.set(result, runs);
  pendingOutlines.set(result, outline);
  return result;
}

/** A file's modules and derives as collected, and the edits since (moved when first read, like the sites). */
interface PendingOutline {
  modules: FieldSites['modules'];
  derives: FieldSites['weakIncompatibleDerives'];
  shift: OffsetShift;
}

const pendingOutlines = new WeakMap<FieldSites, PendingOutline>();

function outlineAfter(outline: PendingOutline, move: SitesMove): PendingOutline {
  const shift = outline.shift.then({ oldEnd: move.editEnd, delta: move.delta });
  // Edits scattered over many places: moved once, so a keystroke's composition stays short.
  if (shift.pieces <= MAX_RUNS) return { ...outline, shift };
  const moved = movedOutline({ ...outline, shift });
  return { modules: moved.modules, derives: moved.weakIncompatibleDerives, shift: OffsetShift.identity };
}

function movedOutline({ modules, derives, shift }: PendingOutline): Pick<FieldSites, 'modules' | 'weakIncompatibleDerives'> {
  return {
    modules: modules.map((m) => ({ start: shift.map(m.start), end: shift.map(m.end) })),
    weakIncompatibleDerives: Object.fromEntries(Object.entries(derives).map(([name, d]) => [name, { ...d, lineStart: shift.map(d.lineStart) }])),
  };
}

/** The sites of one function item, in source order (`complete` false: it nests too deep to collect them all). */
/** `cacheable` false: sites of a function whose parse may not be the file's (see cacheableFunction), not kept. */
export function functionFieldSites(fn: Node, impl: Node | null, text: TextSource, cacheable = true): { sites: FieldSite[]; complete: boolean } {
  const out: Collected = { sites: [], modules: [], derives: {}, complete: true };
  sitesOfItem(fn, impl, text, out, cacheable);
  out.sites.sort((a, b) => a.start - b.start);
  return { sites: out.sites, complete: out.complete };
}

function hasSiteCharacters(text: TextSource, item: Node): boolean {
  const own = text.slice(item.startIndex, item.endIndex);
  return own.includes('.') || own.includes('{');
}

/**
 * An impl or trait block's sites, cached by its whole text: a large file re-read after an edit elsewhere finds most
 * blocks unchanged and skips listing their methods (impl bodies hold no modules or structs, only sites).
 */
function sitesOfImpl(block: Node, text: TextSource, out: Collected, depth: number): void {
  const key = `impl\u0000${block.text}`;
  let cached = itemSites.get(key);
  if (!cached) {
    const own: Collected = { sites: [], modules: out.modules, derives: out.derives, complete: true };
    const body = block.childForFieldName('body');
    if (body) collectOutsideFunctions(body, text, own, block, depth + 1);
    cached = { sites: shifted(own.sites, -block.startIndex), complete: own.complete };
    if (itemSites.size >= MAX_CACHED_FUNCTIONS) itemSites.delete(itemSites.keys().next().value!);
    itemSites.set(key, cached);
  }
  out.sites.push(...shifted(cached.sites, block.startIndex));
  if (!cached.complete) out.complete = false;
}

/** Every item of the file outside function bodies: the rest is read per function (cached), so typing stays cheap. */
function collectOutsideFunctions(container: Node, text: TextSource, out: Collected, impl: Node | null, depth = 0): void {
  for (const child of container.namedChildren) {
    if (!child) continue;
    if (child.type === 'function_item') sitesOfItem(child, impl, text, out);
    else if ((child.type === 'impl_item' || child.type === 'trait_item') && depth < 64) sitesOfImpl(child, text, out, depth);
    else if (child.type === 'mod_item' && depth < 64) {
      const body = child.childForFieldName('body');
      if (!body) continue;
      out.modules.push({ start: body.startIndex, end: body.endIndex });
      collectOutsideFunctions(body, text, out, null, depth + 1);
    } else if (child.type === 'struct_item' || child.type === 'enum_item') collectUnder(child, text, out); // derives: small, not cached
    // Without `.` or `{` an item holds no field access or struct literal (uses, attributes, comments, plain consts).
    else if (hasSiteCharacters(text, child)) sitesOfItem(child, impl, text, out);
  }
}

export function collectFieldSites(root: Node): FieldSites {
  const text = root.text;
  const out: Collected = { sites: [], modules: [], derives: {}, complete: true };
  collectOutsideFunctions(root, text, out, null);
  out.sites.sort((a, b) => a.start - b.start);
  out.modules.sort((a, b) => a.start - b.start);
  return { sites: out.sites, complete: out.complete, useInsertAt: useInsertOffset(root, text), modules: out.modules, weakIncompatibleDerives: out.derives };
}

/** A file checked without collecting its sites (a one-shot scan): they are read from disk if a cycle's fix needs them. */
export interface SitesOnDemand {
  onDemand: true;
}

export type FileSites = FieldSites | SitesOnDemand;

/** A new marker per collect: what was read for it from the file is cached on it, and a re-scan brings a new one. */
export function sitesOnDemand(): SitesOnDemand {
  return { onDemand: true };
}

export function isOnDemand(sites: FileSites): sites is SitesOnDemand {
  return 'onDemand' in sites;
}

/** Reads a file's sites from its text (decoded as the scan decoded it, so offsets agree); undefined when it cannot be read or parsed. */
export function sitesOfText(text: string): FieldSites | undefined {
  const tree = parse(text);
  if (!tree) return undefined;
  try {
    return collectFieldSites(tree.rootNode);
  } finally {
    tree.delete();
  }
}
