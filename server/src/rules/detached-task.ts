// detached-task: a task or thread is spawned, its handle dropped, and its body is an endless loop with no way
// out: nothing can stop it, await it, or notice it died. A file rule: the spawned body may be another fn of the file.
import type { Node } from '../engine/parser';
import type { Rule, RuleContext } from '../engine/rule';
import type { Workspace } from '../engine/workspace';
import type { SourceFile } from '../engine/source';
import { fileFunctionItems, isBodyBoundary, walk } from '../engine/syntax';
import { callArgs, callPath, calleeOf, importedNamesOf, methodCall, scopedUses } from '../engine/resolve/calls';
import type { UseMap } from '../engine/resolve/paths';
import { isTestCode } from '../engine/test-code';

/** Spawners whose handle detaches the task when dropped (`JoinSet::spawn` and smol's `Task` do not). */
const SPAWNERS = new Set([
  'tokio::spawn',
  'tokio::task::spawn',
  'tokio::task::spawn_local',
  'std::thread::spawn',
  'async_std::task::spawn',
  'async_std::task::spawn_local',
  'tokio::task::spawn_blocking',
]);

/** Macros that end the task by panicking. */
const EXIT_MACROS = new Set(['panic', 'unreachable', 'todo', 'unimplemented']);

const LOOPS = new Set(['loop_expression', 'while_expression', 'for_expression']);

/** The handle is discarded right away: `tokio::spawn(..);` or `let _ = tokio::spawn(..);`. */
function handleDropped(call: Node): boolean {
  let parent = call.parent;
  // `Builder::new().spawn(f).unwrap();`: the io::Result is unwrapped and the handle inside dropped.
  while (parent?.type === 'field_expression' && ['unwrap', 'expect'].includes(parent.childForFieldName('field')?.text ?? '') && parent.parent?.type === 'call_expression') {
    parent = parent.parent.parent;
  }
  if (parent?.type === 'expression_statement') return true;
  return parent?.type === 'let_declaration' && parent.childForFieldName('pattern')?.text === '_';
}

/** Same-file functions by name; names declared twice are ambiguous and left out. */
function functionsByName(file: SourceFile): Map<string, Node | null> {
  const byName = new Map<string, Node | null>();
  for (const { fn, impl } of fileFunctionItems(file)) {
    if (impl) continue;
    const name = fn.childForFieldName('name')?.text;
    if (name) byName.set(name, byName.has(name) ? null : fn);
  }
  return byName;
}

/** Same-file free functions by name, read only when a spawn names one. */
type FunctionLookup = (name: string) => Node | null | undefined;

/** The body the spawned task runs: an async block, a closure's body, or a same-file fn called or named. */
function spawnedBody(arg: Node, fns: FunctionLookup): Node | undefined {
  let cur: Node | null = arg;
  // `move || async move { .. }`: look through a few closure layers (iteratively: nesting can be machine-made).
  for (let layer = 0; cur && layer < 4; layer++) {
    if (cur.type === 'async_block') return cur.namedChildren.find((c) => c?.type === 'block') ?? undefined;
    if (cur.type !== 'closure_expression') break;
    const body: Node | null = cur.childForFieldName('body');
    if (body?.type === 'block' || body?.type === 'loop_expression') return body;
    cur = body;
  }
  const named = cur?.type === 'call_expression' ? calleeOf(cur) : cur;
  if (named?.type !== 'identifier') return undefined;
  return fns(named.text)?.childForFieldName('body') ?? undefined;
}

/** A `loop` the body reaches unconditionally: the body itself (`move || loop {..}`) or a top-level statement. */
function topLevelLoop(body: Node): Node | undefined {
  if (body.type === 'loop_expression') return body;
  for (const stmt of body.namedChildren) {
    const expr = stmt?.type === 'expression_statement' ? stmt.namedChild(0) : stmt;
    if (expr?.type === 'loop_expression') return expr;
  }
  return undefined;
}

function labelOf(loop: Node): string | undefined {
  return loop.namedChildren.find((c) => c?.type === 'label')?.text;
}

/** A macro's tokens can leave the loop: `select! { _ = stop.recv() => break, .. }`, `try_join!(..)?`. */
function macroExits(macro: Node): boolean {
  const name = macro.childForFieldName('macro')?.text.split('::').pop() ?? '';
  if (EXIT_MACROS.has(name)) return true;
  let exits = false;
  walk(macro, (n) => {
    if (n.type === 'string_literal' || n.type === 'raw_string_literal') return false;
    for (const c of n.children) if (c && !c.isNamed && (c.type === 'break' || c.type === 'return' || c.type === '?')) exits = true;
    return !exits;
  });
  return exits;
}

/** True when something inside the loop can end it or the task: break (to this loop), return, `?`, exit, panic. */
function loopCanEnd(loop: Node, uses: UseMap): boolean {
  const label = labelOf(loop);
  let ends = false;
  const stack: { node: Node; inner: boolean }[] = [{ node: loop, inner: false }];
  while (stack.length && !ends) {
    const { node, inner } = stack.pop()!;
    if (node !== loop && isBodyBoundary(node)) continue;
    switch (node.type) {
      case 'break_expression': {
        const target = node.namedChildren.find((c) => c?.type === 'label')?.text;
        ends = target ? target === label : !inner;
        break;
      }
      case 'return_expression':
      case 'try_expression':
        ends = true;
        break;
      case 'macro_invocation':
        ends = macroExits(node);
        break;
      case 'call_expression':
        ends = callPath(node, uses) === 'std::process::exit';
        break;
    }
    const nestedLoop = node !== loop && LOOPS.has(node.type);
    for (const c of node.namedChildren) if (c) stack.push({ node: c, inner: inner || nestedLoop });
  }
  return ends;
}

/**
 * A same-file helper that spawns its first argument and returns nothing (`fn spawn<F>(f: F) { thread::spawn(move || block_on(f)); }`):
 * calling one detaches the task just like the spawner it wraps. Its name, or undefined.
 */
function wrapperName(fn: Node, impl: Node | null, fileUses: UseMap): string | undefined {
  if (impl || !fn.text.includes('spawn')) return undefined;
  const name = fn.childForFieldName('name')?.text;
  const ret = fn.childForFieldName('return_type');
  const param = fn.childForFieldName('parameters')?.namedChildren.find((p) => p?.type === 'parameter')?.childForFieldName('pattern');
  if (!name || (ret && ret.text !== '()') || param?.type !== 'identifier') return undefined;
  const uses = scopedUses(fn, fileUses);
  const mentions = new RegExp(`\\b${param.text}\\b`);
  const spawnsParam = fn.descendantsOfType('call_expression').some((c) => {
    const path = c && callPath(c, uses);
    return !!c && !!path && SPAWNERS.has(path) && handleDropped(c) && mentions.test(callArgs(c)[0]?.text ?? '');
  });
  return spawnsParam ? name : undefined;
}

function spawnerWrappers(file: SourceFile): Set<string> {
  const wrappers = new Set<string>();
  for (const { fn, impl } of fileFunctionItems(file)) {
    const name = wrapperName(fn, impl, file.facts.uses);
    if (name) wrappers.add(name);
  }
  return wrappers;
}

/**
 * What each file's last full check saw: its wrappers, and the functions a spawn names as its body. The typing
 * fast path re-checks one edited function against them instead of the whole file.
 */
interface Remembered {
  wrappers: Set<string>;
  spawnedByName: Set<string>;
}
const rememberedByWorkspace = new WeakMap<Workspace, Map<string, Remembered>>();
const MAX_REMEMBERED_FILES = 512;

function remembered(ctx: RuleContext): Map<string, Remembered> {
  let byPath = rememberedByWorkspace.get(ctx.workspace);
  if (!byPath) rememberedByWorkspace.set(ctx.workspace, (byPath = new Map()));
  return byPath;
}

function remember(ctx: RuleContext, seen: Remembered): void {
  const byPath = remembered(ctx);
  byPath.delete(ctx.file.path);
  if (byPath.size >= MAX_REMEMBERED_FILES) byPath.delete(byPath.keys().next().value!);
  byPath.set(ctx.file.path, seen);
}

/** `std::thread::Builder::new().name(..).spawn(f)`: a thread spawned through the builder. */
function isThreadBuilderSpawn(call: Node, uses: UseMap): boolean {
  const m = methodCall(call);
  if (m?.name !== 'spawn') return false;
  let root: Node = m.receiver;
  for (let inner = methodCall(root); inner; inner = methodCall(root)) root = inner.receiver;
  return callPath(root, uses) === 'std::thread::Builder::new';
}

function checkSpawn(ctx: RuleContext, call: Node, uses: UseMap, fns: FunctionLookup, wrappers: Set<string>): void {
  const builder = isThreadBuilderSpawn(call, uses);
  const path = builder ? 'std::thread::spawn' : callPath(call, uses);
  const wrapped = !builder && !!path && wrappers.has(path) && calleeOf(call)?.type === 'identifier';
  if (!path || !(SPAWNERS.has(path) || wrapped) || !handleDropped(call)) return;
  const arg = callArgs(call)[0];
  const body = arg && spawnedBody(arg, fns);
  const loop = body && topLevelLoop(body);
  if (!loop || loopCanEnd(loop, uses)) return;
  const callee = builder ? methodCall(call)!.nameNode : calleeOf(call)!;
  const what = path === 'std::thread::spawn' ? 'thread' : 'task';
  const via = wrapped ? ` (\`${path}\` spawns it and drops the handle)` : '';
  ctx.report({
    range: { start: callee.startIndex, end: callee.endIndex },
    message: `detached ${what} never finishes: its loop has no break, return or \`?\`, and the handle is dropped${via}, so nothing can stop or await it`,
    related: [{ path: ctx.file.path, range: { start: loop.startIndex, end: loop.startIndex + 'loop'.length + (labelOf(loop) ? labelOf(loop)!.length + 2 : 0) }, message: 'this loop never exits' }],
    notes: [
      'A task that can never end keeps everything it captured alive for the life of the process, and if it fails nobody learns about it.',
      what === 'task'
        ? 'Keep the JoinHandle and abort() or await it on shutdown, or select! on a shutdown signal (a CancellationToken, a closed channel) and break.'
        : 'Keep the JoinHandle and join() it, and give the loop a stop condition (a flag, a closed channel).',
    ],
  });
}

function spawnerNames(ctx: RuleContext, wrappers: Set<string>): string[] {
  return ['spawn', ...importedNamesOf(SPAWNERS, ctx.file.facts.uses), ...wrappers];
}

/** Function lookup by name that reads the file's functions on first use, and records every name asked. */
function lazyFunctions(file: SourceFile): FunctionLookup & { asked: string[] } {
  let byName: Map<string, Node | null> | undefined;
  const asked: string[] = [];
  const lookup = (name: string) => {
    asked.push(name);
    byName ??= functionsByName(file);
    return byName.get(name);
  };
  return Object.assign(lookup, { asked });
}

function checkSpawnsIn(ctx: RuleContext, fn: Node, fns: FunctionLookup, wrappers: Set<string>): void {
  if (isTestCode(fn, ctx.file.path, ctx.file.crate.root)) return;
  const uses = scopedUses(fn, ctx.file.facts.uses);
  for (const call of fn.descendantsOfType('call_expression')) if (call) checkSpawn(ctx, call, uses, fns, wrappers);
}

export const detachedTask: Rule = {
  id: 'detached-task',
  severity: 'warning',
  docs: {
    summary: 'A spawned task or thread whose handle is dropped runs an endless loop nothing can stop.',
    whatItDoes:
      'Flags `tokio::spawn`, `tokio::task::spawn_local`, `tokio::task::spawn_blocking`, `std::thread::spawn` (also through `thread::Builder`), `async_std::task::spawn` and same-file helpers that spawn their argument, when the handle is discarded (`spawn(..);` or `let _ = spawn(..)`) when the spawned body reaches an unconditional `loop` with no `break`, `return`, `?`, panic or `select!` branch that leaves it. The body may be an async block, a closure, or a function of the same file.',
    whyBad:
      'Such a task can never finish and nobody holds a way to stop it: it keeps its captured state (buffers, connections, `Arc`s) alive until the process exits, keeps working after shutdown began, and if it panics the error is silently lost. Tasks that pile up this way are a memory leak in safe code.',
    example: 'tokio::spawn(async move {\n    loop {\n        interval.tick().await;\n        metrics.flush().await;\n    }\n});',
    useInstead:
      'let token = CancellationToken::new();\nlet child = token.clone();\nlet flusher = tokio::spawn(async move {\n    loop {\n        tokio::select! {\n            _ = child.cancelled() => break,\n            _ = interval.tick() => metrics.flush().await,\n        }\n    }\n});\n// on shutdown:\ntoken.cancel();\nflusher.await?;',
    differences:
      'clippy has no counterpart. `JoinSet::spawn` is not flagged (the set owns and aborts its tasks), nor is spawning per connection in an accept loop: only the spawned body is judged, and only when it loops forever. Test code is skipped.',
  },
  /** What the last full check saw, put back when an undo brings back a text analysed with it. */
  fileState: {
    save: (ctx) => remembered(ctx).get(ctx.file.path),
    restore: (ctx, state) => (state ? remember(ctx, state as Remembered) : remembered(ctx).delete(ctx.file.path)),
  },
  /** Typing in one function body: its spawns re-checked with what the last full check saw, unless that may have changed. */
  updateFileFindings(ctx) {
    const seen = remembered(ctx).get(ctx.file.path);
    const name = ctx.fn.childForFieldName('name')?.text;
    if (!seen || !name || seen.spawnedByName.has(name)) return false;
    const isWrapper = wrapperName(ctx.fn, ctx.impl, ctx.file.facts.uses) === name;
    if (isWrapper !== seen.wrappers.has(name)) return false;
    const names = spawnerNames(ctx, seen.wrappers);
    if (!names.some((n) => ctx.fn.text.includes(n))) return true;
    const fns = lazyFunctions(ctx.file);
    checkSpawnsIn(ctx, ctx.fn, fns, seen.wrappers);
    // A spawn that named a function the last check did not know of: only a full check records it.
    return fns.asked.every((n) => seen.spawnedByName.has(n));
  },
  checkFile(ctx) {
    const names = spawnerNames(ctx, new Set());
    // Text pre-filter: spawners are all called `spawn*`, apart from aliases and same-file wrappers.
    if (!names.some((n) => ctx.file.text.includes(n))) {
      remember(ctx, { wrappers: new Set(), spawnedByName: new Set() });
      return;
    }
    const wrappers = spawnerWrappers(ctx.file);
    const fns = lazyFunctions(ctx.file);
    const all = [...names, ...wrappers];
    for (const { fn } of fileFunctionItems(ctx.file)) {
      if (all.some((n) => fn.text.includes(n))) checkSpawnsIn(ctx, fn, fns, wrappers);
    }
    remember(ctx, { wrappers, spawnedByName: new Set(fns.asked) });
  },
};
