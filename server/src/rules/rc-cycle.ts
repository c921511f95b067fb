// rc-cycle: a strong `Rc`/`Arc` back-reference that closes an ownership cycle through interior mutability.
// Workspace-wide: the cycle may span files. The finding sits on the back edge's field type.
import * as path from 'path';
import type { Edge, TypeNode } from '../engine/typegraph';
import { TypeGraph, fieldBaseName } from '../engine/typegraph';
import type { Related, Report, Rule } from '../engine/rule';
import type { Workspace } from '../engine/workspace';
import { downgradeFix } from '../engine/weak-fix';
import { collectFieldSites, type FieldSites } from '../engine/resolve/field-sites';
import type { FieldFacts } from '../engine/resolve/facts';

/** Field-name words that mark a reference to an owner or a peer rather than to something owned. */
const BACK_ROLES = new Set([
  'parent', 'prev', 'previous', 'owner', 'peer', 'back', 'backref', 'up', 'subject', 'container', 'outer', 'partner', 'sibling',
  'counterpart', 'host', 'manager', 'registry', 'observable', 'publisher', 'mate', 'pair', 'twin', 'root', 'origin', 'creator', 'listener', 'delegate',
]);

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

/** Shortest way from `edge.to` back to `edge.from` over owning edges, with interior mutability somewhere on the cycle. */
function pathBack(graph: TypeGraph, edge: Edge): Edge[] | undefined {
  if (edge.from.key === edge.to.key) return edge.cell ? [] : undefined;
  type State = { node: TypeNode; cell: boolean; via?: Edge; prev?: State };
  const seen = new Set<string>();
  const queue: State[] = [{ node: edge.to, cell: edge.cell }];
  for (let i = 0; i < queue.length; i++) {
    const s = queue[i];
    if (s.node.key === edge.from.key && s.cell) {
      const out: Edge[] = [];
      for (let cur: State | undefined = s; cur?.via; cur = cur.prev) out.unshift(cur.via);
      return out;
    }
    const id = `${s.node.key}\u0000${s.cell}`;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of graph.outgoing(s.node)) queue.push({ node: e.to, cell: s.cell || e.cell, via: e, prev: s });
  }
  return undefined;
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

function reportFor(edge: Edge, back: Edge[], ws: Workspace, sites: Map<string, FieldSites>): Report {
  const cycle = cycleName(edge, back);
  const cell = [edge, ...back].find((e) => e.cell)?.cellName ?? CELL_FREE_NOTE;
  const related: Related[] = back.map((e) => ({ path: e.from.path, range: e.field.typeSpan, message: `${e.from.name}.${e.field.name} keeps ${e.to.name} alive` }));
  const fix = downgradeFix(edge, ws, sites);
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
      'Builds the ownership graph of the workspace\'s types (structs, tuple structs, enums, type aliases, generic structs, and the std wrappers between them: `Option`, `Box`, `Vec`, `VecDeque`, `HashMap`, `BTreeMap`, `RefCell`, `Cell`, `Mutex`, `RwLock`, `OnceCell`, …). Edges are strong `Rc`/`Arc` references and plain ownership; `Weak`, references and raw pointers are not edges. A cycle with at least one strong `Rc`/`Arc` that passes through interior mutability can be closed at run time. The rule reports the back edge: a single strong reference (`Rc<T>`, `Option<Rc<T>>`) pointing to an owner (a type that owns this one through a collection or by value) or, for a type pointing to itself or a peer, a field named for a back-reference role (`parent`, `prev`, `owner`, `peer`, `back`, `up`, `subject`, …). Owning collections (`children: Vec<Rc<T>>`) are never reported.',
    whyBad:
      'Reference counting frees a value when its last strong reference goes. In a cycle every member holds the next one alive, so once the cycle is closed (`a.peer.replace(Some(b.clone()))`) none of it is ever dropped: memory, file handles and whatever `Drop` would release leak silently. The compiler and the borrow checker see nothing wrong.',
    example:
      'struct Node {\n    name: String,\n    peer: RefCell<Option<Rc<Node>>>,\n}\n\nlet a = Rc::new(Node { name: "A".into(), peer: RefCell::new(None) });\nlet b = Rc::new(Node { name: "B".into(), peer: RefCell::new(Some(a.clone())) });\na.peer.replace(Some(b.clone())); // cycle created, never freed',
    useInstead:
      'struct Node {\n    name: String,\n    peer: RefCell<Option<Weak<Node>>>,\n}\n\nlet b = Rc::new(Node { name: "B".into(), peer: RefCell::new(Some(Rc::downgrade(&a))) });\na.peer.replace(Some(Rc::downgrade(&b))); // cycle broken, drop can run\n\nThe quick-fix "Downgrade to Weak" changes the field\'s type and rewrites the stores (`Some(x.clone())` → `Some(Rc::downgrade(&x))`) and reads (`.borrow().clone()` → `.borrow().as_ref().and_then(|w| w.upgrade())`) across the workspace; where a rewrite is not mechanical it leaves a `// TODO(blindspot):` comment. Review it: a `Weak` does not keep its target alive, so something else must own it.',
    differences:
      'clippy and rustc have no cycle lint. Blindspot reads types only, so it reports cycles that can be closed, not proof that a program closes them; it stays silent on trait objects (`Vec<Rc<dyn Observer>>`), on types it cannot resolve (other crates, macros, items in files that were not indexed), on many-to-many graphs whose strong edges are all collections, and on a type\'s own strong single link whose name gives no back-reference role (`next` in a linked list).',
  },
  /** Field stores and reads for the Weak fix; the signature covers every offset the findings use, so they never go stale. */
  collectFileData(ctx) {
    const data = collectFieldSites(ctx.file.root);
    const fieldSpans = [...ctx.file.facts.structs.values()].map((s) => s.fields.map((f) => f.typeSpan.start).join(','));
    return { signature: JSON.stringify([data, fieldSpans]), data };
  },
  checkWorkspace(ctx) {
    const graph = new TypeGraph(ctx.workspace);
    const sites = new Map<string, FieldSites>();
    for (const { path: p, data } of ctx.workspace.ruleDataOf<FieldSites>('rc-cycle')) sites.set(p, data);
    const reported = new Set<FieldFacts>();
    for (const edges of graph.edges.values()) {
      for (const edge of edges) {
        if (!isSingleStrong(edge) || reported.has(edge.field)) continue;
        const back = pathBack(graph, edge);
        if (!back || !isBackEdge(edge, back)) continue;
        reported.add(edge.field);
        ctx.report(edge.from.path, reportFor(edge, back, ctx.workspace, sites));
      }
    }
  },
};
