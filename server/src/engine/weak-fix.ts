// "Downgrade to Weak": turns a strong `Rc`/`Arc` field into a `Weak` and rewrites, across the workspace, the places
// that store into it or read it. Built from facts only (field sites recorded per file), so it works for closed files.
// Where a rewrite is not mechanical, a `// TODO(blindspot):` line is inserted above the statement instead.
import { inInlineModule, isOnDemand, sitesOfText, type FieldSite, type FieldSites, type FileSites, type SitesOnDemand, type ValueShape } from './resolve/field-sites';
import { isSkipped, readSource } from '../cli/read';
import type { FileFacts } from './resolve/facts';
import { lastSegment } from './resolve/paths';
import type { Fix, TextEdit } from './rule';
import type { Edge } from './typegraph';
import type { Workspace } from './workspace';

const CELL_NAMES = new Set(['RefCell', 'Cell', 'Mutex', 'RwLock', 'OnceCell', 'OnceLock']);
const GUARDS = new Set(['borrow', 'borrow_mut', 'lock', 'read', 'write', 'get_mut']);
const UPGRADE = '.as_ref().and_then(|w| w.upgrade())';

type Outcome = { edits: TextEdit[] } | { todo: string };

const ok = (edits: TextEdit[] = []): Outcome => ({ edits });
const todo = (why: string): Outcome => ({ todo: why });

interface Names {
  /** How the file at hand names `Rc`/`Arc` (`Rc`, or the full path when not imported). */
  pointer: string;
}

/** Rewrites a value stored at the field's root, given the wrappers between the root and the `Rc` (outermost first). */
function rewriteStore(shape: ValueShape, wrappers: string[], names: Names): Outcome {
  if (wrappers.length === 0) {
    if (shape.kind === 'clone') return ok([{ start: shape.start, end: shape.end, newText: `${names.pointer}::downgrade(${shape.borrowed})` }]);
    if (shape.kind === 'rcnew') return todo(`a new \`${names.pointer}\` stored only as \`Weak\` is freed at once: keep a strong owner elsewhere and store \`${names.pointer}::downgrade(&owner)\``);
    return todo(`store \`${names.pointer}::downgrade(&x)\` of an \`${names.pointer}\` that something else keeps alive`);
  }
  const [outer, ...rest] = wrappers.map(lastSegment);
  if (shape.kind === 'none' && outer === 'Option') return ok();
  if (shape.kind === 'default') return ok();
  if (shape.kind === 'wrap' && (shape.ctor === outer || (outer === 'Option' && shape.ctor === 'Some'))) return rewriteStore(shape.inner, wrappers.slice(1), names);
  void rest;
  return todo(`this stores into the field; store a \`Weak\` (\`${names.pointer}::downgrade(&x)\`) instead`);
}

/** Reads through `Option<Weak<T>>` (links after the guard, or on the field itself). */
function rewriteOptionRead(links: FieldSite['chain'], site: FieldSite): Outcome {
  const first = links[0];
  if (!first) return todo('call `.upgrade()` where the value is used');
  if (first.name === 'clone') return ok([{ start: first.start, end: first.end, newText: UPGRADE }]);
  if (first.name === 'as_ref') return ok([{ start: first.end, end: first.end, newText: '.and_then(|w| w.upgrade())' }]);
  if (first.name === 'is_some' || first.name === 'is_none') return todo('`is_some()` now says a `Weak` is stored, not that its target is alive: use `.as_ref().and_then(|w| w.upgrade()).is_some()` if that is what is meant');
  if (first.name === 'take' && !site.resultUsed && links.length === 1) return ok();
  return todo(`\`.${first.name}()\` now acts on an \`Option<Weak<_>>\`: upgrade it first (\`.as_ref().and_then(|w| w.upgrade())\`)`);
}

function rewriteAccess(site: FieldSite, wrappers: string[], names: Names): Outcome {
  const [outer, ...rest] = wrappers.map(lastSegment);
  const chain = site.chain;
  if (site.value && chain.length === 0) return rewriteStore(site.value, wrappers, names);
  if (outer && CELL_NAMES.has(outer)) {
    const first = chain[0];
    if (!first) return todo('adapt this use of the cell to a `Weak` inside');
    if ((first.name === 'replace' || first.name === 'set') && first.arg) {
      // `replace` hands back the old value, now a `Weak`; `set` returns `()` (Cell) or `Result<(), T>` (OnceCell).
      if (first.name === 'replace' && site.resultUsed && chain.length === 1) return todo(`\`.replace()\` now returns the old \`Weak\`, not an \`${names.pointer}\``);
      return rewriteStore(first.arg, wrappers.slice(1), names);
    }
    if (first.name === 'take' && !site.resultUsed && chain.length === 1) return ok();
    // `OnceCell::get` gives `Option<&Weak<T>>` now: upgrading keeps an `Option` of something that derefs to `T`.
    if (first.name === 'get' && rest.length === 0 && (outer === 'OnceCell' || outer === 'OnceLock')) return ok([{ start: first.end, end: first.end, newText: '.and_then(|w| w.upgrade())' }]);
    if (!GUARDS.has(first.name)) return todo(`\`.${first.name}()\` on the field now handles a \`Weak\``);
    const afterGuard = chain.slice(1).filter((l) => l.name !== 'unwrap' && l.name !== 'expect');
    if (site.value) return rewriteStore(site.value, wrappers.slice(1), names);
    if (rest[0] === 'Option') return rewriteOptionRead(afterGuard, site);
    return todo('call `.upgrade()` and handle `None`');
  }
  if (outer === 'Option') return rewriteOptionRead(chain, site);
  return todo('call `.upgrade()` and handle `None`');
}

/**
 * Every indexed file's field sites, read per field name when a fix asks for them, and how many types declare each
 * field name. Built once per check. Files scanned without their sites are read from disk then, and only those
 * whose text contains the field's name (a site of `peer` always contains `peer`).
 */
export class SiteIndex {
  private readonly byField = new Map<string, { path: string; site: FieldSite }[]>();
  /** How many struct types declare each field name, read when a fix first asks. */
  private ownerCounts: Map<string, number> | undefined;
  private readonly files = new Map<string, FileSites>();
  /** Per field name: every file that may hold one of its sites had them fully collected (no machine-made nesting cut a walk short). */
  private readonly complete = new Map<string, boolean>();

  constructor(readonly ws: Workspace, sitesByFile: Iterable<{ path: string; data: FileSites }>, private readonly readText: (path: string) => string | undefined = readFromDisk) {
    for (const { path, data } of sitesByFile) this.files.set(path, data);
  }

  private owners(): Map<string, number> {
    if (this.ownerCounts) return this.ownerCounts;
    const counts = new Map<string, number>();
    for (const { value } of this.ws.allStructs()) {
      for (const name of new Set(value.fields.map((f) => f.name))) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return (this.ownerCounts = counts);
  }

  /** A file's sites, read from disk when the scan left them out (once per scan of the file); undefined when unknown. */
  fileSites(path: string): FieldSites | undefined {
    const data = this.files.get(path);
    if (!data || !isOnDemand(data)) return data;
    const read = readOnce(data);
    if (read.sites === undefined) {
      const text = this.readText(path);
      read.sites = (text === undefined ? undefined : sitesOfText(text)) ?? null;
    }
    return read.sites ?? undefined;
  }

  completeFor(field: string): boolean {
    this.sitesNamed(field);
    return this.complete.get(field)!;
  }

  /** Whether a scanned file's text contains `field` (read from disk once per scan of the file and name); undefined: unreadable. */
  private mentions(path: string, data: SitesOnDemand, field: string): boolean | undefined {
    const read = readOnce(data);
    if (!read.mentions.has(field)) read.mentions.set(field, this.readText(path)?.includes(field));
    return read.mentions.get(field);
  }

  private sitesNamed(field: string): { path: string; site: FieldSite }[] {
    const known = this.byField.get(field);
    if (known) return known;
    const found: { path: string; site: FieldSite }[] = [];
    let complete = true;
    for (const [path, data] of this.files) {
      const mentions = isOnDemand(data) ? this.mentions(path, data, field) : true;
      if (mentions === false) continue;
      const sites = mentions === undefined ? undefined : this.fileSites(path);
      // A file that could not be read may hold sites of the field: the fix would miss them.
      if (!sites?.complete) complete = false;
      for (const site of sites?.sites ?? []) if (site.field === field) found.push({ path, site });
    }
    this.byField.set(field, found);
    this.complete.set(field, complete);
    return found;
  }

  /** Sites that certainly belong to `edge.from`'s field: literals of that type, `self.f` in its impls, or a field name no other type has. */
  sitesOf(edge: Edge): { path: string; facts: FileFacts; site: FieldSite }[] {
    const unique = this.owners().get(edge.field.name) === 1;
    const out: { path: string; facts: FileFacts; site: FieldSite }[] = [];
    for (const { path, site } of this.sitesNamed(edge.field.name)) {
      const facts = this.ws.factsOf(path);
      const mine = site.kind === 'access' ? unique || (site.onSelf && site.owner === edge.from.name) : site.owner === edge.from.name;
      if (facts && mine) out.push({ path, facts, site });
    }
    return out;
  }
}

/** What was read from disk for one scanned file: kept on its marker, which a re-scan replaces. */
const readFromMarker = new WeakMap<SitesOnDemand, { mentions: Map<string, boolean | undefined>; sites?: FieldSites | null }>();

function readOnce(marker: SitesOnDemand): { mentions: Map<string, boolean | undefined>; sites?: FieldSites | null } {
  let read = readFromMarker.get(marker);
  if (!read) readFromMarker.set(marker, (read = { mentions: new Map() }));
  return read;
}

/** A closed file's text, decoded as the scan decoded it. */
function readFromDisk(path: string): string | undefined {
  const read = readSource(path, Number.MAX_SAFE_INTEGER);
  return isSkipped(read) ? undefined : read.text;
}

/** The name a file uses for `std::rc::Rc` / `std::sync::Arc`, or the full path. */
function pointerNameIn(facts: FileFacts, sites: FieldSites | undefined, offset: number, full: string): string {
  if (!sites || inInlineModule(sites, offset)) return full;
  for (const [name, target] of facts.uses.names) if (target === full) return name;
  return full;
}

/** `Weak<T>` in the field (importing `Weak` when the name is free), or the full path where imports are unclear. */
function weakTypeEdits(edge: Edge, facts: FileFacts, full: string, sites: FieldSites): TextEdit[] {
  const ref = edge.strongRef!;
  const inner = ref.args[0]?.node?.text ?? '_';
  const bound = facts.uses.names.get('Weak');
  const nested = inInlineModule(sites, ref.node!.start);
  if (bound === full && !nested) return [{ start: ref.node!.start, end: ref.node!.end, newText: `Weak<${inner}>` }];
  if (nested || bound || facts.structs.has('Weak') || facts.aliases.has('Weak')) return [{ start: ref.node!.start, end: ref.node!.end, newText: `${full}<${inner}>` }];
  const at = sites.useInsertAt;
  return [
    { start: at, end: at, newText: `use ${full};\n` },
    { start: ref.node!.start, end: ref.node!.end, newText: `Weak<${inner}>` },
  ];
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  return a.start < b.end && b.start < a.end;
}

/**
 * The fix, or undefined when the field's `Rc` is not written in the field itself (alias, generic), is an enum's or a
 * tuple struct's, or the declaring file's sites are unknown. 
 */
export function downgradeFix(edge: Edge, index: SiteIndex): Fix | undefined {
  const declFacts = index.ws.factsOf(edge.from.path);
  if (!edge.strongRef?.node || !declFacts || edge.from.facts.kind !== 'struct' || /^\d+$/.test(edge.field.name)) return undefined;
  const declSites = index.fileSites(edge.from.path);
  if (!declSites || !index.completeFor(edge.field.name)) return undefined;
  const rc = edge.strong === 'arc' ? 'std::sync::Arc' : 'std::rc::Rc';
  const weak = edge.strong === 'arc' ? 'std::sync::Weak' : 'std::rc::Weak';
  const label = `${edge.from.name}.${edge.field.name}`;
  const byFile = new Map<string, TextEdit[]>([[edge.from.path, weakTypeEdits(edge, declFacts, weak, declSites)]]);
  const todos = new Map<string, Map<number, string>>();
  const addTodo = (p: string, site: FieldSite, why: string) => {
    const lines = todos.get(p) ?? new Map<number, string>();
    if (!lines.has(site.lineStart)) lines.set(site.lineStart, `${site.indent}// TODO(blindspot): \`${label}\` became a \`Weak\`; ${why}\n`);
    todos.set(p, lines);
  };
  for (const { path, facts, site } of index.sitesOf(edge)) {
    const names: Names = { pointer: pointerNameIn(facts, index.fileSites(path), site.start, rc) };
    const outcome: Outcome =
      site.kind === 'shorthand'
        ? todo(`write \`${edge.field.name}: ${names.pointer}::downgrade(&${edge.field.name})\` and keep a strong owner elsewhere`)
        : site.kind === 'init'
          ? site.value ? rewriteStore(site.value, edge.wrappersAboveStrong, names) : todo('store a `Weak` here')
          : rewriteAccess(site, edge.wrappersAboveStrong, names);
    const existing = byFile.get(path) ?? [];
    if ('todo' in outcome) addTodo(path, site, outcome.todo);
    else if (outcome.edits.some((e) => existing.some((x) => overlaps(x, e)))) addTodo(path, site, 'rewrite this nested use by hand');
    else byFile.set(path, [...existing, ...outcome.edits]);
  }
  const derives = declSites.weakIncompatibleDerives[edge.from.name];
  if (derives) {
    const list = derives.traits.map((d) => `\`${d}\``).join(', ');
    const lines = todos.get(edge.from.path) ?? new Map<number, string>();
    lines.set(derives.lineStart, `${derives.indent}// TODO(blindspot): \`${label}\` became a \`Weak\`, which has no ${list}: implement ${derives.traits.length > 1 ? 'them' : 'it'} by hand (compare with \`Weak::ptr_eq\`, or skip the field)\n`);
    todos.set(edge.from.path, lines);
  }
  for (const [p, lines] of todos) {
    const list = byFile.get(p) ?? [];
    for (const [at, text] of lines) list.push({ start: at, end: at, newText: text });
    byFile.set(p, list);
  }
  return {
    title: `Downgrade to Weak (\`${label}\`)`,
    edits: [...byFile].map(([path, edits]) => ({ path, edits })),
    preferred: true,
    safe: false,
  };
}
