// rc-cycle: a strong `Rc`/`Arc` back-reference that closes an ownership cycle through interior mutability.
// Workspace-wide: the cycle may span files. The finding sits on the back edge's field type.
import { createHash } from 'crypto';
import * as path from 'path';
import type { Edge, TypeNode } from '../engine/typegraph';
import { TypeGraph, fieldBaseName } from '../engine/typegraph';
import type { Related, Report, Rule } from '../engine/rule';
import { downgradeFix, SiteIndex } from '../engine/weak-fix';
import { cachedFunctionSites, collectFieldSites, forgetItemSites, functionFieldSites, isOnDemand, movedSites, sitesOnDemand, type FileSites } from '../engine/resolve/field-sites';
import { cacheableFunction } from '../engine/source';
import { equalWhenMoved } from '../engine/incremental';
import type { FieldFacts } from '../engine/resolve/facts';
import type { TypeRef } from '../engine/resolve/types';
import type { Workspace } from '../engine/workspace';

/** Field-name words that mark a reference to an owner or a peer rather than to something owned. */
const BACK_ROLES = new Set([
  'parent', 'prev', 'previous', 'owner', 'peer', 'back', 'backref', 'up', 'subject', 'container', 'outer', 'partner', 'sibling',
  'counterpart', 'host', 'manager', 'registry', 'observable', 'publisher', 'mate', 'pair', 'twin', 'root', 'origin', 'creator', 'listener', 'delegate',
]);

/** Counts fast-path updates: each gives its data a signature no full collect produces. */
let updates = 0;

const CELL_FREE_NOTE = 'interior mutability';

function hasBackRole(edge: Edge): boolean {
  return fieldBaseName(edge.field).toLowerCase().split('_').some((w) => BACK_ROLES.has(w));
}

/** A single strong reference: `Rc<T>`, `Option<Rc<T>>`, `RefCell<Option<Rc<T>>>` (not `Vec<Rc<T>>`). */
function isSingleStrong(edge: Edge): boolean {
  return !!edge.strong && !edge.collectionAboveStrong;
}

/** The target owns the source through a collection or by value: the edge points back to an owner. */
function ownsBack(pathBack: Edge[]): boolean {
  return pathBack.some((e) => e.collection || !e.strong);
}

/**
 * Shortest way from `edge.to` back to `edge.from` over owning edges of the same component, with interior mutability
 * somewhere on the cycle. States are (type, cell seen yet), numbered `2 * id + cell`; each is visited once. The
 * buffers are shared by all searches of one check (only touched entries are reset).
 */
class CycleFinder {
  private readonly comp: Int32Array;
  private readonly nodeById: TypeNode[] = [];
  private readonly via: (Edge | undefined)[];
  private readonly prev: Int32Array;
  private readonly seen: Uint8Array;

  constructor(private readonly graph: TypeGraph) {
    const n = graph.nodes.size;
    const components = graph.components();
    this.comp = new Int32Array(n);
    for (const node of graph.nodes.values()) {
      this.comp[node.id] = components.get(node.key) ?? -1;
      this.nodeById[node.id] = node;
    }
    this.via = new Array(n * 2);
    this.prev = new Int32Array(n * 2);
    this.seen = new Uint8Array(n * 2);
  }

  pathBack(edge: Edge): Edge[] | undefined {
    if (edge.from.id === edge.to.id) return edge.cell ? [] : undefined;
    const component = this.comp[edge.from.id];
    if (this.comp[edge.to.id] !== component) return undefined;
    const start = edge.to.id * 2 + (edge.cell ? 1 : 0);
    const goal = edge.from.id * 2 + 1;
    const queue = [start];
    this.seen[start] = 1;
    let found: Edge[] | undefined;
    for (let i = 0; i < queue.length && !found; i++) {
      const state = queue[i];
      if (state === goal) {
        found = [];
        for (let cur = state; cur !== start; cur = this.prev[cur]) found.unshift(this.via[cur]!);
        break;
      }
      const cell = state & 1;
      for (const e of this.graph.outgoing(this.nodeById[state >> 1])) {
        if (this.comp[e.to.id] !== component) continue;
        const next = e.to.id * 2 + (cell || e.cell ? 1 : 0);
        if (this.seen[next]) continue;
        this.seen[next] = 1;
        this.prev[next] = state;
        this.via[next] = e;
        queue.push(next);
      }
    }
    for (const state of queue) this.seen[state] = 0;
    return found;
  }
}

function edgeOrder(e: Edge): string {
  return `${e.from.path}\u0000${String(e.field.typeSpan.start).padStart(10, '0')}`;
}

/** Decides whether `edge` is the one to downgrade in its cycle (the others in the cycle stay as they are). */
function isBackEdge(edge: Edge, back: Edge[]): boolean {
  if (hasBackRole(edge)) return true;
  if (back.length === 0) return false;
  if (back.some((e) => isSingleStrong(e) && hasBackRole(e))) return false;
  if (ownsBack(back)) return true;
  // Strong single references both ways and no names to go by: pick one, deterministically (the last declared).
  const rivals = back.filter(isSingleStrong);
  return rivals.every((r) => edgeOrder(r) < edgeOrder(edge));
}

export function cycleName(edge: Edge, back: Edge[]): string {
  return [edge, ...back].map((e) => `${e.from.name}.${e.field.name}`).join(' → ') + ` → ${edge.from.name}`;
}

function pointerName(edge: Edge): string {
  return edge.strong === 'arc' ? 'Arc' : 'Rc';
}

function describeEdge(e: Edge): string {
  const how = e.strong ? `strong \`${pointerName(e)}\`${e.collectionAboveStrong ? ' in a collection' : ''}` : e.collection ? 'owned in a collection' : 'owned by value';
  return `\`${e.from.name}.${e.field.name}: ${e.field.type?.node?.text ?? '…'}\` keeps \`${e.to.name}\` alive (${how}${e.cell ? `, mutable through \`${e.cellName}\`` : ''}) — ${path.basename(e.from.path)}`;
}

function reportFor(edge: Edge, back: Edge[], sites: SiteIndex): Report {
  const cycle = cycleName(edge, back);
  const cell = [edge, ...back].find((e) => e.cell)?.cellName ?? CELL_FREE_NOTE;
  const related: Related[] = back.map((e) => ({ path: e.from.path, range: e.field.typeSpan, message: `${e.from.name}.${e.field.name} keeps ${e.to.name} alive` }));
  const fix = downgradeFix(edge, sites);
  return {
    range: edge.field.typeSpan,
    message: `Strong \`${pointerName(edge)}\` cycle \`${cycle}\`: once closed through \`${cell}\`, nothing in it is ever freed; make this back-reference a \`Weak\``,
    related,
    fixes: fix ? [fix] : [],
    notes: [
      `Cycle: ${cycle}`,
      ...[edge, ...back].map(describeEdge),
      `\`${cell}\` lets the cycle be closed after both ends exist; the reference counts then never reach zero and \`Drop\` never runs.`,
      `A \`Weak\` back-reference breaks it: \`upgrade()\` gives \`Some\` while the owner lives and \`None\` after it is dropped.`,
    ],
  };
}

export const rcCycle: Rule = {
  id: 'rc-cycle',
  severity: 'warning',
  docs: {
    summary: 'A strong `Rc`/`Arc` back-reference closes an ownership cycle that is never freed.',
    whatItDoes:
      'Builds the ownership graph of the workspace\'s types (structs, tuple structs, enums, type aliases, generic structs, `Self`, and the std wrappers between them: `Option`, `Box`, `Vec`, `VecDeque`, `HashMap`, `BTreeMap`, `RefCell`, `Cell`, `Mutex`, `RwLock`, `OnceCell`, …). Edges are strong `Rc`/`Arc` references and plain ownership; `Weak`, references and raw pointers are not edges. A cycle with at least one strong `Rc`/`Arc` that passes through interior mutability can be closed at run time. The rule reports the back edge: a single strong reference (`Rc<T>`, `Option<Rc<T>>`) pointing to an owner (a type that owns this one through a collection or by value) or, for a type pointing to itself or a peer, a field named for a back-reference role (`parent`, `prev`, `owner`, `peer`, `back`, `up`, `subject`, …). Owning collections (`children: Vec<Rc<T>>`) are never reported.',
    whyBad:
      'Reference counting frees a value when its last strong reference goes. In a cycle every member holds the next one alive, so once the cycle is closed (`a.peer.replace(Some(b.clone()))`) none of it is ever dropped: memory, file handles and whatever `Drop` would release leak silently. The compiler and the borrow checker see nothing wrong.',
    example:
      'struct Node {\n    name: String,\n    peer: RefCell<Option<Rc<Node>>>,\n}\n\nlet a = Rc::new(Node { name: "A".into(), peer: RefCell::new(None) });\nlet b = Rc::new(Node { name: "B".into(), peer: RefCell::new(Some(a.clone())) });\na.peer.replace(Some(b.clone())); // cycle created, never freed',
    useInstead:
      'struct Node {\n    name: String,\n    peer: RefCell<Option<Weak<Node>>>,\n}\n\nlet b = Rc::new(Node { name: "B".into(), peer: RefCell::new(Some(Rc::downgrade(&a))) });\na.peer.replace(Some(Rc::downgrade(&b))); // cycle broken, drop can run\n\nThe quick-fix "Downgrade to Weak" changes the field\'s type and rewrites the stores (`Some(x.clone())` → `Some(Rc::downgrade(&x))`) and reads (`.borrow().clone()` → `.borrow().as_ref().and_then(|w| w.upgrade())`) across the workspace; where a rewrite is not mechanical (a fresh `Rc::new(..)` stored only as `Weak`, a value moved in, a read that needs `upgrade()` and a `None` case) it leaves a `// TODO(blindspot):` comment there instead of an edit. It is offered when the `Rc`/`Arc` is written in the struct field itself (not behind an alias or a generic wrapper, not in an enum variant or tuple field) and is never applied unattended: a `Weak` does not keep its target alive, so something else must own it.',
    differences:
      'clippy and rustc have no cycle lint. Blindspot reads types only, so it reports cycles that can be closed, not proof that a program closes them; it stays silent on trait objects (`Vec<Rc<dyn Observer>>`), on types it cannot resolve (other crates, macros, items in files that were not indexed), on many-to-many graphs whose strong edges are all collections, and on a type\'s own strong single link whose name gives no back-reference role (`next` in a linked list).',
  },
  /** Field stores and reads for the Weak fix; the signature covers every offset the findings use, so they never go stale. */
  collectFileData(ctx) {
    // A one-shot scan rarely finds a cycle: the sites (a quarter of a scan's work) are read when a fix needs them.
    if (ctx.settings.checkedOnce) return { signature: 'on demand', data: sitesOnDemand() };
    const data = collectFieldSites(ctx.file.root);
    const fieldSpans = [...ctx.file.facts.structs.values()].map((s) => s.fields.map((f) => f.typeSpan.start).join(','));
    // A digest: the JSON of every file's sites, kept only to be compared, was ~9 MB after a registry scan.
    return { signature: createHash('sha1').update(JSON.stringify([data, fieldSpans])).digest('base64'), data };
  },
  forgetFunctionCaches: forgetItemSites,
  /** Typing in one function: its sites re-read, the others moved. Equal sites (moved) leave the findings as they were. */
  updateFileData(ctx, previous, edit) {
    const data = previous.data as FileSites;
    if (isOnDemand(data)) return undefined;
    const fresh = functionFieldSites(ctx.fn, ctx.impl, ctx.file.text, cacheableFunction(ctx.file, ctx.fn));
    if (!data.complete || !fresh.complete) return undefined;
    const start = ctx.fn.startIndex;
    const before = cachedFunctionSites(ctx.impl, edit.oldText, ctx.file.text, start);
    const unchanged = !!before && equalWhenMoved(before, fresh.sites, edit.map);
    const next = movedSites(data, { start, oldEnd: edit.oldFnEnd, fresh: fresh.sites, delta: edit.delta, map: edit.map, editEnd: edit.oldEnd });
    // Not a digest of the data (that costs more than the update): a later full collect compares unequal once.
    return { entry: { signature: `~${++updates}`, data: next }, unchanged };
  },
  checkWorkspace(ctx) {
    const sites = new SiteIndex(ctx.workspace, ctx.workspace.ruleDataOf<FileSites>('rc-cycle'));
    for (const { edge, back } of backEdges(ctx.workspace)) {
      const fresh = refreshEdge(edge, ctx.workspace);
      const freshBack = back.map((e) => refreshEdge(e, ctx.workspace));
      if (fresh && freshBack.every((e) => e !== undefined)) ctx.report(fresh.from.path, reportFor(fresh, freshBack as Edge[], sites));
    }
  },
};

/** The cycles only change when declarations do (`Workspace.version`): edits elsewhere reuse them, with fresh offsets. */
const cyclesCache = new WeakMap<Workspace, { version: number; found: { edge: Edge; back: Edge[] }[] }>();

function backEdges(ws: Workspace): { edge: Edge; back: Edge[] }[] {
  const cached = cyclesCache.get(ws);
  if (cached?.version === ws.version) return cached.found;
  const graph = new TypeGraph(ws);
  const cycles = new CycleFinder(graph);
  const reported = new Set<FieldFacts>();
  const found: { edge: Edge; back: Edge[] }[] = [];
  for (const edges of graph.edges.values()) {
    for (const edge of edges) {
      if (!isSingleStrong(edge) || reported.has(edge.field)) continue;
      const back = cycles.pathBack(edge);
      if (!back || !isBackEdge(edge, back)) continue;
      reported.add(edge.field);
      found.push({ edge, back });
    }
  }
  cyclesCache.set(ws, { version: ws.version, found });
  return found;
}

/**
 * The same edge over the file's current facts: an unchanged declaration may have moved. Its text is the same
 * (else `version` would have changed), so the `Rc` sits at the same offset relative to the field's type.
 */
function refreshEdge(edge: Edge, ws: Workspace): Edge | undefined {
  const facts = ws.factsOf(edge.from.path)?.structs.get(edge.from.name);
  const field = facts?.fields.find((f) => f.name === edge.field.name);
  if (!facts || !field) return undefined;
  if (field === edge.field) return edge;
  const shift = field.typeSpan.start - edge.field.typeSpan.start;
  const strongRef = edge.strongRef?.node && field.type ? typeAt(field.type, edge.strongRef.node.start + shift) : undefined;
  return { ...edge, from: { ...edge.from, facts }, field, strongRef };
}

function typeAt(t: TypeRef, start: number): TypeRef | undefined {
  if (t.node?.start === start && !t.reference) return t;
  for (const a of t.args) {
    const found = typeAt(a, start);
    if (found) return found;
  }
  return undefined;
}
