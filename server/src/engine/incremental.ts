// Typing in a large file: what one keystroke changed, and moving everything it did not change instead of
// recomputing it. An edit confined to one function body leaves the file's facts, the other functions' findings
// and (usually) the workspace rules' data as they were, only moved by the length the edit added.
import type { Node, Tree } from './parser';
import type { FileFacts, StructFacts } from './resolve/facts';
import type { UseMap } from './resolve/paths';
import type { TypeRef } from './resolve/types';
import type { BodyEdit, Finding, RuleData } from './rule';
import { lastAtOrBelow, lineMarkOffsets, mapLineMarks } from './text';
import type { TextSource } from './piece-text';

/** Where the text changed since the last analysis: [start, end) in the current text, `delta` = length added. */
export interface DirtyWindow {
  start: number;
  end: number;
  delta: number;
}

/** Folds one more change (offsets in the text before it) into the window. */
export function widenWindow(window: DirtyWindow | undefined, start: number, end: number, inserted: number): DirtyWindow {
  const delta = inserted - (end - start);
  if (!window) return { start, end: start + inserted, delta };
  return {
    start: Math.min(window.start, start),
    end: Math.max(window.end >= end ? window.end + delta : start + inserted, start + inserted),
    delta: window.delta + delta,
  };
}

export interface EditedFunction {
  window: DirtyWindow;
  /** The function in the new tree (or in its own tree, with what the file's tree says of it: see FunctionParse). */
  target: { fn: Node; impl: Node | null; prevEnd?: number; context?: string };
}

/**
 * The one function whose body took every change, when the re-parse left it where it was: the same item-level
 * function around the window, with the same extent, in the edited old tree and in the new one. Then nothing
 * outside it was re-read differently (checked against tree-sitter's changed ranges on 2,000 random edits of
 * real code; this costs a few node steps where getChangedRanges costs ~0.5 ms on a 10,000-line file).
 */
export function editedFunction(window: DirtyWindow, oldTree: Tree, newTree: Tree): EditedFunction | undefined {
  const before = functionAround(oldTree.rootNode, window.start, window.end);
  const after = before && functionAround(newTree.rootNode, window.start, window.end);
  if (!before || !after || before.fn.startIndex !== after.fn.startIndex || before.fn.endIndex !== after.fn.endIndex) return undefined;
  return { window, target: after };
}

const ITEM_OWNERS = new Set(['impl_item', 'trait_item', 'mod_item']);
/** Module, impl and trait nesting followed down; deeper (machine-made) code takes the full path. */
const MAX_ITEM_NESTING = 64;

/**
 * The item-level function (in the file, a module, an impl or a trait, as `functionItems` lists them) whose body
 * strictly contains [start, end). Found from the root down, one child per level: climbing from the edited node
 * would cost O(depth²) on machine-nested code.
 */
export function functionAround(root: Node, start: number, end: number): { fn: Node; impl: Node | null } | undefined {
  const found = itemFunctionAt(root, start, end);
  const body = found?.fn.childForFieldName('body');
  return body && body.startIndex < start && end < body.endIndex ? found : undefined;
}

/** The item-level function containing [start, end), found from the root down. */
export function itemFunctionAt(root: Node, start: number, end: number): { fn: Node; impl: Node | null } | undefined {
  const path = itemPathTo(root, start, end);
  return path && { fn: path.fn, impl: implOf(path) };
}

/** The impl or trait a function of `path` belongs to (a module is not one). */
export function implOf(path: { owners: Node[] }): Node | null {
  const owner = path.owners[path.owners.length - 1];
  return owner && owner.type !== 'mod_item' ? owner : null;
}

/** The item-level function containing [start, end) and the modules, impls and traits around it, outermost first. */
export function itemPathTo(root: Node, start: number, end: number): { owners: Node[]; fn: Node } | undefined {
  let container = root;
  const owners: Node[] = [];
  for (let depth = 0; depth < MAX_ITEM_NESTING; depth++) {
    const child = childAround(container, start, end);
    if (!child) return undefined;
    if (child.type === 'function_item') return { owners, fn: child };
    const body = ITEM_OWNERS.has(child.type) ? child.childForFieldName('body') : null;
    if (body?.type !== 'declaration_list') return undefined;
    container = body;
    owners.push(child);
  }
  return undefined;
}

/** The child of `container` that contains [start, end), if one does. */
function childAround(container: Node, start: number, end: number): Node | undefined {
  const node = container.firstChildForIndex(start);
  return node && node.startIndex <= start && end <= node.endIndex ? node : undefined;
}

/** End of the item before `fn` in its list (start of the list when it is the first): per-function cache keys use the text in between. */
export function previousItemEnd(fn: Node): number {
  return fn.previousNamedSibling?.endIndex ?? fn.parent?.startIndex ?? 0;
}

export function bodyEdit(window: DirtyWindow, fn: Node, oldText: TextSource): BodyEdit {
  const oldEnd = window.end - window.delta;
  return {
    start: window.start,
    oldEnd,
    delta: window.delta,
    oldFnEnd: fn.endIndex - window.delta,
    oldText: oldText.slice(fn.startIndex, fn.endIndex - window.delta),
    map: (offset) => (offset >= oldEnd ? offset + window.delta : offset),
  };
}

const OFFSET_KEYS = new Set(['start', 'end', 'lineStart', 'body', 'useInsertAt']);

/** A copy of plain data with every offset (`start`, `end`, `lineStart`, `body`, `useInsertAt`) mapped. */
/**
 * Whether `moved` equals `value` with its offsets mapped, compared as their JSON would be (members left undefined
 * do not count) without building either: typing compares a function's data before and after every keystroke.
 */
export function equalWhenMoved(value: unknown, moved: unknown, map: (offset: number) => number, key?: string): boolean {
  if (key !== undefined && typeof value === 'number' && OFFSET_KEYS.has(key)) return map(value) === moved;
  if (value === moved) return true;
  if (!value || !moved || typeof value !== 'object' || typeof moved !== 'object') return false;
  if (Array.isArray(value) || Array.isArray(moved)) {
    if (!Array.isArray(value) || !Array.isArray(moved) || value.length !== moved.length) return false;
    return value.every((v, i) => equalWhenMoved(v, moved[i], map));
  }
  const a = value as Record<string, unknown>;
  const b = moved as Record<string, unknown>;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  if (keys.length !== Object.keys(b).filter((k) => b[k] !== undefined).length) return false;
  return keys.every((k) => equalWhenMoved(a[k], b[k], map, k));
}

export function mapOffsets<T>(value: T, map: (offset: number) => number): T {
  if (Array.isArray(value)) return value.map((v) => mapOffsets(v, map)) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = OFFSET_KEYS.has(k) && typeof v === 'number' ? map(v) : mapOffsets(v, map);
  return out as T;
}

/**
 * `f` with every offset into `path` mapped (its own range only if it is in `path`: related ranges and fix edits may
 * point there from another file). `unchangedBelow`: `map` leaves every offset under it where it is (an edit's
 * old end); a finding with no offset from there on is returned as it is (typing moves only what follows it).
 */
export function mapFinding(f: Finding, path: string, map: (offset: number) => number, unchangedBelow = -Infinity): Finding {
  if (lastOffsetIn(f, path) < unchangedBelow) return f;
  const range = <T extends { start: number; end: number }>(r: T): T => ({ ...r, start: map(r.start), end: map(r.end) });
  return {
    ...f,
    message: mapLineMarks(f.message, map),
    notes: f.notes.map((n) => mapLineMarks(n, map)),
    range: f.path === path ? range(f.range) : f.range,
    related: f.related.map((r) => (r.path === path ? { ...r, range: range(r.range) } : r)),
    fixes: f.fixes.map((fix) => ({
      ...fix,
      edits: fix.edits.map((fe) => (fe.path === path ? { ...fe, edits: fe.edits.map(range) } : fe)),
      select: fix.select && fix.select.path === path ? range(fix.select) : fix.select,
    })),
  };
}

const lastOffsets = new WeakMap<Finding, number>();

/** The largest offset a finding holds in `path` (ranges, fixes, line marks), remembered per finding and path. */
function lastOffsetIn(f: Finding, path: string): number {
  if (f.path !== path) return lastOffsetOf(f, path);
  let last = lastOffsets.get(f);
  if (last === undefined) lastOffsets.set(f, (last = lastOffsetOf(f, path)));
  return last;
}

function lastOffsetOf(f: Finding, path: string): number {
  let last = -Infinity;
  const see = (r: { end: number } | undefined) => r && (last = Math.max(last, r.end));
  if (f.path === path) see(f.range);
  for (const r of f.related) if (r.path === path) see(r.range);
  for (const fix of f.fixes) {
    for (const fe of fix.edits) if (fe.path === path) fe.edits.forEach(see);
    if (fix.select?.path === path) see(fix.select);
  }
  for (const text of [f.message, ...f.notes]) for (const offset of lineMarkOffsets(text)) last = Math.max(last, offset);
  return last;
}

/** One edit's offset map: `offset >= oldEnd ? offset + delta : offset` (offsets in the text before it). */
export interface OffsetEdit {
  oldEnd: number;
  delta: number;
}

/**
 * Several edits' offset maps composed, as shifts over pieces of the original offsets: piece i covers
 * [starts[i], starts[i + 1]) and adds shifts[i]. Typing in one place keeps two pieces; typing a character and
 * deleting it again gives the identity back.
 */
export class OffsetShift {
  static readonly identity = new OffsetShift([-Infinity], [0]);

  private constructor(private readonly starts: number[], private readonly shifts: number[]) {}

  get pieces(): number {
    return this.starts.length;
  }

  get isIdentity(): boolean {
    return this.shifts.every((s) => s === 0);
  }

  /** The shift at an original offset. */
  at(offset: number): number {
    return this.shifts[lastAtOrBelow(this.starts, offset)];
  }

  map(offset: number): number {
    return offset + this.at(offset);
  }

  /** This map followed by one more edit's. */
  then({ oldEnd, delta }: OffsetEdit): OffsetShift {
    if (delta === 0) return this;
    const starts: number[] = [];
    const shifts: number[] = [];
    const push = (start: number, shift: number) => {
      if (shifts.length && shifts[shifts.length - 1] === shift) return;
      starts.push(start);
      shifts.push(shift);
    };
    for (let i = 0; i < this.starts.length; i++) {
      const from = this.starts[i];
      const to = i + 1 < this.starts.length ? this.starts[i + 1] : Infinity;
      const shift = this.shifts[i];
      // Within this piece an offset x is at x + shift after the earlier edits: moved again when that is past oldEnd.
      const threshold = oldEnd - shift;
      if (threshold <= from) push(from, shift + delta);
      else if (threshold >= to) push(from, shift);
      else {
        push(from, shift);
        push(threshold, shift + delta);
      }
    }
    return new OffsetShift(starts, shifts);
  }
}

/**
 * A map holding another map's values moved by edits, each moved when first read: typing reads a few of a large
 * file's structs, not all of them. Moves compose into one OffsetShift (one per keystroke), so a read costs one
 * move however long the typing went on, and nothing is moved all at once (that was a spike every 17 keystrokes).
 * Only when the edits leave more than MAX_SHIFT_PIECES separately shifted pieces is everything moved once.
 */
export class MovedMap<K, V> extends Map<K, V> {
  private constructor(private readonly base: Map<K, V>, private readonly shift: OffsetShift, private readonly move: (value: V, shift: OffsetShift) => V) {
    super();
  }

  /** `source` with one more edit applied; `move` copies a value with its offsets mapped (or returns it when unshifted). */
  static of<K, V>(source: Map<K, V>, edit: OffsetEdit, move: (value: V, shift: OffsetShift) => V): Map<K, V> {
    const moved = source instanceof MovedMap ? (source as MovedMap<K, V>) : undefined;
    const base = moved ? moved.base : source;
    const shift = (moved ? moved.shift : OffsetShift.identity).then(edit);
    if (shift.isIdentity) return base;
    const next = new MovedMap(base, shift, move);
    return shift.pieces > MAX_SHIFT_PIECES ? new Map(next) : next;
  }

  override get(key: K): V | undefined {
    if (super.has(key)) return super.get(key);
    if (!this.base.has(key)) return undefined;
    const value = this.move(this.base.get(key) as V, this.shift);
    super.set(key, value);
    return value;
  }

  override has(key: K): boolean {
    return this.base.has(key);
  }

  override get size(): number {
    return this.base.size;
  }

  override keys(): MapIterator<K> {
    return this.base.keys();
  }

  override *values(): MapIterator<V> {
    for (const key of this.base.keys()) yield this.get(key)!;
  }

  override *entries(): MapIterator<[K, V]> {
    for (const key of this.base.keys()) yield [key, this.get(key)!];
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: K, map: Map<K, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}

const MAX_SHIFT_PIECES = 256;

/**
 * A file's facts with every offset moved by an edit inside a function body. A copy, never an update in place:
 * findings and fixes may hold the very span objects the old facts have. Facts come from items outside function
 * bodies, so no value straddles an edit: a value whose start is not shifted is shared as it is.
 */
export function mapFacts(facts: FileFacts, edit: OffsetEdit & { map: (offset: number) => number }): FileFacts {
  const spanMover = (shift: OffsetShift) => <T extends { start: number; end: number }>(s: T): T => (shift.at(s.start) === 0 ? s : { ...s, start: shift.map(s.start), end: shift.map(s.end) });
  const typeMover = (shift: OffsetShift) => {
    const span = spanMover(shift);
    const type = (t: TypeRef | undefined): TypeRef | undefined =>
      !t || !t.node || shift.at(t.node.start) === 0 ? t : { ...t, node: span(t.node), base: t.base && span(t.base), args: t.args.map((a) => type(a)!) };
    return type;
  };
  return {
    ...facts,
    uses: mapUses(facts.uses, edit.map),
    structs: MovedMap.of(facts.structs, edit, (s: StructFacts, shift) => {
      if (shift.at(s.span.start) === 0) return s;
      const span = spanMover(shift);
      const type = typeMover(shift);
      return { ...s, span: span(s.span), fields: s.fields.map((f) => ({ ...f, typeSpan: span(f.typeSpan), nameSpan: span(f.nameSpan), type: type(f.type) })) };
    }),
    aliases: MovedMap.of(facts.aliases, edit, (a, shift) => ({ ...a, type: typeMover(shift)(a.type) })),
    statics: MovedMap.of(facts.statics, edit, (s, shift) => (!s.span || shift.at(s.span.start) === 0 ? s : { ...s, span: spanMover(shift)(s.span), type: typeMover(shift)(s.type) })),
    fnReturns: MovedMap.of(facts.fnReturns, edit, (t, shift) => typeMover(shift)(t)!),
  };
}

/** Inline modules' import maps are keyed by where their bodies start: a new set of maps with moved keys. */
function mapUses(uses: UseMap, map: (offset: number) => number): UseMap {
  if (!uses.modules?.size) return uses;
  const modules = new Map<number, UseMap>();
  const copies = new Map<UseMap, UseMap>();
  const copy = (m: UseMap): UseMap => {
    let c = copies.get(m);
    if (!c) copies.set(m, (c = { ...m, modules }));
    return c;
  };
  const root = copy(uses);
  for (const [start, m] of uses.modules) modules.set(map(start), copy(m));
  for (const [m, c] of copies) if (m.parent) c.parent = copy(m.parent);
  return root;
}

/** Findings of one function, with whether they can be moved (every offset inside the function) or must be recomputed. */
export interface FunctionFindings {
  start: number;
  end: number;
  findings: Finding[];
  local: boolean;
}

/** What the last analysis of a document produced, kept so that the next keystroke can reuse it. */
export interface Snapshot {
  stamp: string;
  /** Functions with findings (or with findings that cannot be moved), in source order. */
  functions: FunctionFindings[];
  fileFindings: Map<string, Finding[]>;
  /** File rules' per-file state (Rule.fileState) as they left it. */
  fileStates: Map<string, unknown>;
  ruleData: Map<string, RuleData>;
  facts: FileFacts;
}
