// Fixes that end a guard's life before the await it is held across.
import type { Node } from '../parser';
import type { Fix, RuleContext } from '../rule';
import type { HeldGuard } from '../held-across-await';
import type { TypeEnv } from '../resolve/expr';
import type { Binding } from '../resolve/locals';
import { statementIn } from '../syntax';
import { rootAt } from '../source';

/** Inserts `code` as its own line before `statement`, indented like it (or inline when it shares a line). */
export function insertBefore(ctx: RuleContext, statement: Node, code: string): { start: number; end: number; newText: string } {
  const { lines } = ctx.file;
  const line = lines.positionAt(statement.startIndex).line;
  const lineStart = lines.lineStart(line);
  const before = ctx.file.text.slice(lineStart, statement.startIndex);
  if (/^[ \t]*$/.test(before)) return { start: lineStart, end: lineStart, newText: `${before}${code}\n` };
  return { start: statement.startIndex, end: statement.startIndex, newText: `${code} ` };
}

/** `let g = m.lock(); …; x.await` with no use of `g` from the await's statement on: insert `drop(g);` before it. */
export function dropBeforeAwaitFix(ctx: RuleContext, held: HeldGuard, env: TypeEnv): Fix | undefined {
  const { life } = held;
  if (life.kind !== 'named' || life.bindings.length !== 1) return undefined;
  const binding = life.bindings[0];
  const block = binding.statement?.parent;
  const awaitNode = rootAt(ctx.file, held.crossed[0].offset).descendantForIndex(held.crossed[0].offset, held.crossed[0].offset);
  if (!block || !awaitNode || !binding.statement) return undefined;
  const statement = statementIn(block, awaitNode);
  if (!statement || statement.id === binding.statement.id || statement.startIndex < binding.statement.endIndex) return undefined;
  const later = env.locals.references(binding).filter((r) => r.startIndex >= statement.startIndex);
  // Uses in the await's own statement that copy a value out (`take(g.len()).await`) are hoisted above the drop;
  // a later `drop(g);` is moved up; any other later use needs the guard, so there is nothing mechanical to do.
  const copies = later.filter((r) => r.startIndex < statement.endIndex).map((r) => ownedUse(r, held.crossed[0].offset));
  const laterDrops = later.filter((r) => r.startIndex >= statement.endIndex).map((r) => dropStatementOf(r, binding.name));
  if (copies.some((c) => !c) || laterDrops.some((d) => !d) || laterDrops.length > 1) return undefined;
  const owned = copies as Node[];
  const drops = laterDrops as Node[];
  // Moved elsewhere (`let h = g`, `if c { drop(g) }`), or shadowed at the insertion point: `drop(g)` would not compile.
  const movedBefore = life.moves.some((m) => !drops.some((d) => d.startIndex <= m.startIndex && m.endIndex <= d.endIndex));
  if (movedBefore || env.locals.resolve(binding.name, statement.startIndex) !== binding) return undefined;
  // `let first = &g[0];` or `let f = || g.len();` still used after the await: dropping `g` would not compile.
  if (borrowOutlives(env, binding, statement.startIndex)) return undefined;
  const removals = drops.map((s) => deleteLine(ctx, s));
  const taken = new Set<string>();
  const hoisted = owned.map((use) => {
    let name = freshName(env, copyName(use));
    for (let i = 2; taken.has(name); i++) name = freshName(env, `${copyName(use)}_${i}`);
    taken.add(name);
    return { use, name };
  });
  const inserted = [...hoisted.map((h) => `let ${h.name} = ${h.use.text};`), `drop(${binding.name});`];
  const edits = [...inserted.map((code) => insertBefore(ctx, statement, code)), ...hoisted.map((h) => ({ start: h.use.startIndex, end: h.use.endIndex, newText: h.name })), ...removals];
  if (hoisted.length) {
    return {
      title: `Copy what the await needs out of \`${binding.name}\` and release it first`,
      edits: [{ path: ctx.file.path, edits: mergeInsertions(edits) }],
      preferred: true,
      safe: true,
    };
  }
  return {
    title: laterDrops.length ? `Move \`drop(${binding.name})\` before the await` : `Release \`${binding.name}\` before the await: insert \`drop(${binding.name});\``,
    edits: [{ path: ctx.file.path, edits }],
    preferred: true,
    safe: true,
  };
}

/** `g.len()` used before the await in its statement, whose result owns its data: the expression to hoist. */
function ownedUse(ref: Node, awaitOffset: number): Node | undefined {
  // Through field projections (`r.members.len()`) to the first method call.
  for (let cur = ref; cur.parent?.type === 'field_expression' && cur.parent.childForFieldName('value')?.id === cur.id; cur = cur.parent) {
    const field = cur.parent;
    const call = field.parent;
    if (call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== field.id) continue;
    if (call.endIndex > awaitOffset || !OWNING.test(call.text.replace(/\s+/g, ''))) return undefined;
    return call;
  }
  return undefined;
}

function copyName(use: Node): string {
  const method = use.childForFieldName('function')?.childForFieldName('field')?.text ?? 'value';
  return /^(clone|cloned|copied|to_owned|to_string|to_vec)$/.test(method) ? 'value' : method.replace(/^is_/, 'was_');
}

/** Several insertions at one offset become one edit (the fixer rejects two edits at the same point). */
function mergeInsertions(edits: { start: number; end: number; newText: string }[]): { start: number; end: number; newText: string }[] {
  const out: { start: number; end: number; newText: string }[] = [];
  for (const e of edits) {
    const same = out.find((o) => o.start === e.start && o.end === o.start && e.end === e.start);
    if (same) same.newText += e.newText;
    else out.push({ ...e });
  }
  return out;
}

/** Methods whose result owns its data: binding their result borrows nothing from the guard. */
const OWNING = /(\.(clone|cloned|copied|to_owned|to_string|to_vec|len|is_empty|is_some|is_none|count|contains|contains_key|pop|pop_front|pop_back|remove|take)\([^()]*\))+$/;

/** Might `value` (a let initialiser mentioning the guard) keep a borrow of it? */
function mayBorrow(value: Node): boolean {
  if (value.type === 'closure_expression') return true;
  if (value.type === 'unary_expression' && value.text.startsWith('*')) return /&/.test(value.text);
  return !OWNING.test(value.text.replace(/\s+/g, ''));
}

/** True when a use of the guard before `offset` was bound (`let x = &g…`, a closure) and that binding is used at or after `offset`. */
function borrowOutlives(env: TypeEnv, guard: Binding, offset: number): boolean {
  for (const ref of env.locals.references(guard)) {
    if (ref.startIndex >= offset) continue;
    for (let n: Node | null = ref.parent; n && n.id !== guard.statement?.parent?.id; n = n.parent) {
      if (n.type !== 'let_declaration') continue;
      const value = n.childForFieldName('value');
      if (!value || !mayBorrow(value)) break;
      const holders = env.locals.resolveDeclaredBy(n);
      if (holders.some((h) => env.locals.references(h).some((r) => r.startIndex >= offset))) return true;
      break;
    }
  }
  return false;
}

/** `drop(g);` / `std::mem::drop(g);` as a whole statement around the reference `ref`. */
function dropStatementOf(ref: Node, name: string): Node | undefined {
  const call = ref.parent?.parent;
  const statement = call?.parent;
  if (call?.type !== 'call_expression' || statement?.type !== 'expression_statement') return undefined;
  const callee = call.childForFieldName('function')?.text.replace(/\s+/g, '') ?? '';
  return /^((std|core)::)?(mem::)?drop$/.test(callee) && call.childForFieldName('arguments')?.text.replace(/\s+/g, '') === `(${name})` ? statement : undefined;
}

/** Removes a statement; with its whole line when it stands alone on it. */
function deleteLine(ctx: RuleContext, statement: Node): { start: number; end: number; newText: string } {
  const { lines, text } = ctx.file;
  const line = lines.positionAt(statement.startIndex).line;
  const [lineStart, lineEnd] = [lines.lineStart(line), lines.lineEnd(line)];
  const alone = /^[ \t]*$/.test(text.slice(lineStart, statement.startIndex)) && /^[ \t]*$/.test(text.slice(statement.endIndex, lineEnd));
  if (alone) return { start: lineStart, end: Math.min(text.length, lineEnd + (text.charCodeAt(lineEnd) === 13 ? 2 : 1)), newText: '' };
  return { start: statement.startIndex, end: statement.endIndex, newText: '' };
}

function freshName(env: TypeEnv, wanted: string): string {
  // A name is taken when written as a name, not as a method or field (`.len()` leaves `len` free).
  const taken = (n: string) => new RegExp(`(?<![.\\w])${n}\\b(?!\\s*\\()`).test(env.fn.text);
  if (!taken(wanted)) return wanted;
  for (let i = 2; ; i++) if (!taken(`${wanted}_${i}`)) return `${wanted}_${i}`;
}

/** `match m.lock().unwrap().get(&k).cloned() { … }` -> `let value = …; match value { … }`: the guard ends with the let. */
export function bindScrutineeFix(ctx: RuleContext, held: HeldGuard, env: TypeEnv): Fix | undefined {
  if (held.life.kind !== 'temporary' || held.life.bindings.length) return undefined;
  let scrutinee: Node | null = null;
  let owner: Node | null = null;
  for (let cur: Node | null = held.acq.guard; cur && cur.parent; cur = cur.parent) {
    const p: Node = cur.parent;
    if (p.type === 'match_expression' && p.childForFieldName('value')?.id === cur.id) [scrutinee, owner] = [cur, p];
    else if (p.type === 'let_condition' && p.childForFieldName('value')?.id === cur.id && p.parent?.type === 'if_expression') [scrutinee, owner] = [cur, p.parent];
    if (scrutinee || p.type.endsWith('statement') || p.type === 'block') break;
  }
  // Binding the guard itself would keep it alive: there must be a value computed from it.
  if (!scrutinee || !owner || scrutinee.id === held.acq.guard.id) return undefined;
  // `.first()`/`.as_ref()` borrow from the guard: binding them would not compile (E0716).
  const compact = scrutinee.text.replace(/\s+/g, '');
  const owned = OWNING.test(compact) || (scrutinee.type === 'unary_expression' && compact.startsWith('*'));
  // `map.get(k)` gives `Option<&V>`: `.cloned()` makes the bound value own its data (the issue's own suggestion).
  const clonable = !owned && /\.(get|first|last)\([^()]*\)$/.test(compact);
  if (!owned && !clonable) return undefined;
  const block = owner.parent?.type === 'expression_statement' ? owner.parent.parent : owner.parent;
  const statement = block ? statementIn(block, owner) : null;
  if (!statement) return undefined;
  const name = freshName(env, 'value');
  return {
    title: `Bind the scrutinee${clonable ? ' (cloned)' : ''} to \`${name}\` first, so the guard is released before the ${owner.type === 'match_expression' ? 'match' : 'if let'} body`,
    edits: [{ path: ctx.file.path, edits: [insertBefore(ctx, statement, `let ${name} = ${scrutinee.text}${clonable ? '.cloned()' : ''};`), { start: scrutinee.startIndex, end: scrutinee.endIndex, newText: name }] }],
    preferred: true,
  };
}
