// blocking-in-async: a call that blocks the OS thread (sleep, std::fs, std::net, std mpsc recv, Condvar::wait,
// block_on, tokio's blocking_* methods) written inside an async fn, async block or async closure.
import { query, type Node } from '../engine/parser';
import type { FunctionContext, Fix, Report, Rule } from '../engine/rule';
import type { SourceFile } from '../engine/source';
import type { Workspace } from '../engine/workspace';
import { isTestCode } from '../engine/test-code';
import { isAsync, ancestors, implSelfType } from '../engine/syntax';
import { lastSegment, type UseMap } from '../engine/resolve/paths';
import { typeFromNode, derefTransparent, type TypeRef } from '../engine/resolve/types';
import { callArgs, callPath, calleeOf, isAwaited, methodCall, scopedUses, unwrapValue } from '../engine/resolve/calls';

/** Where a node runs: on the executor thread (`async`, or `inline` in a closure an async body calls right away) or not. */
type Context = 'async' | 'inline' | 'sync';

/** Free functions that block, by canonical path. */
const BLOCKING_FUNCTIONS = new Map<string, string>([
  ['std::thread::sleep', 'std::thread::sleep blocks the executor thread'],
  ['std::net::TcpStream::connect', 'std::net::TcpStream::connect is a blocking connect'],
  ['std::net::TcpStream::connect_timeout', 'std::net::TcpStream::connect_timeout is a blocking connect'],
  ['std::fs::File::open', 'std::fs::File::open is blocking file I/O'],
  ['std::fs::File::create', 'std::fs::File::create is blocking file I/O'],
  ['std::fs::File::create_new', 'std::fs::File::create_new is blocking file I/O'],
  ['futures::executor::block_on', 'block_on blocks the executor (and can deadlock it)'],
  ['futures_executor::block_on', 'block_on blocks the executor (and can deadlock it)'],
  ['async_std::task::block_on', 'block_on blocks the executor (and can deadlock it)'],
  ['pollster::block_on', 'block_on blocks the executor (and can deadlock it)'],
  ['tokio::runtime::Handle::block_on', 'Handle::block_on panics or deadlocks the runtime'],
  ['tokio::runtime::Runtime::block_on', 'Runtime::block_on panics or deadlocks the runtime'],
]);

/** `std::fs` free functions (all blocking); the value says whether `tokio::fs` has the same function with the same result. */
const STD_FS_FUNCTIONS = new Map<string, boolean>([
  ['read', true], ['read_to_string', true], ['write', true], ['copy', true], ['create_dir', true], ['create_dir_all', true],
  ['remove_file', true], ['remove_dir', true], ['remove_dir_all', true], ['rename', true], ['metadata', true],
  ['symlink_metadata', true], ['canonicalize', true], ['hard_link', true], ['read_link', true], ['set_permissions', true],
  ['try_exists', true], ['read_dir', false], ['exists', false], ['soft_link', false],
]);

/** Methods that block when called on a value of the given (canonical) type. */
const BLOCKING_METHODS: Record<string, string[]> = {
  'std::fs::File': ['read', 'read_exact', 'read_to_end', 'read_to_string', 'write', 'write_all', 'write_fmt', 'flush', 'sync_all', 'sync_data', 'set_len'],
  'std::fs::OpenOptions': ['open'],
  'std::net::TcpStream': ['read', 'read_exact', 'read_to_end', 'read_to_string', 'write', 'write_all', 'flush', 'peek'],
  'std::net::TcpListener': ['accept', 'incoming'],
  'std::net::UdpSocket': ['recv', 'recv_from', 'send', 'send_to', 'peek', 'peek_from'],
  'std::io::Stdin': ['read_line', 'lines', 'read_to_string', 'read_to_end'],
  'std::sync::mpsc::Receiver': ['recv', 'recv_timeout', 'iter'],
  'crossbeam_channel::Receiver': ['recv', 'recv_timeout', 'iter'],
  'crossbeam::channel::Receiver': ['recv', 'recv_timeout', 'iter'],
  'flume::Receiver': ['recv', 'recv_timeout', 'iter'],
  'std::sync::Condvar': ['wait', 'wait_while', 'wait_timeout', 'wait_timeout_while'],
  'parking_lot::Condvar': ['wait', 'wait_while', 'wait_for', 'wait_until', 'wait_while_for', 'wait_while_until'],
  'std::sync::Barrier': ['wait'],
  'std::thread::JoinHandle': ['join'],
  'std::process::Command': ['output', 'status'],
};

/** Builder methods that return the builder: `OpenOptions::new().read(true).open(p)`. */
const BUILDER_METHODS: Record<string, string[]> = {
  'std::fs::OpenOptions': ['read', 'write', 'append', 'truncate', 'create', 'create_new'],
  'std::process::Command': ['arg', 'args', 'env', 'envs', 'env_remove', 'env_clear', 'current_dir', 'stdin', 'stdout', 'stderr'],
};

/** Method names that only exist to block: tokio's sync-side APIs and every runtime's block_on. */
const BLOCKING_METHOD_NAMES = new Map<string, string>([
  ['block_on', 'block_on inside async code panics ("Cannot start a runtime from within a runtime") or deadlocks the executor'],
  ['blocking_lock', 'blocking_lock inside async code panics or blocks the executor thread; use .lock().await'],
  ['blocking_recv', 'blocking_recv inside async code panics or blocks the executor thread; use .recv().await'],
  ['blocking_send', 'blocking_send inside async code panics or blocks the executor thread; use .send(..).await'],
  ['blocking_read', 'blocking_read inside async code panics or blocks the executor thread; use .read().await'],
  ['blocking_write', 'blocking_write inside async code panics or blocks the executor thread; use .write().await'],
]);

/** Closures called right away by the method they are passed to: they run on the async body's thread. */
const INLINE_CLOSURE_METHODS = new Set([
  'map', 'for_each', 'filter', 'filter_map', 'flat_map', 'and_then', 'or_else', 'map_err', 'map_or', 'map_or_else',
  'unwrap_or_else', 'then', 'try_for_each', 'fold', 'try_fold', 'any', 'all', 'find', 'find_map', 'position', 'inspect',
  'retain', 'sort_by', 'sort_by_key', 'take_while', 'skip_while', 'scan', 'or_insert_with', 'get_or_insert_with', 'ok_or_else',
]);

/** Constructors whose value has a known type: `TcpListener::bind(a)?` -> `std::net::TcpListener`. */
const CONSTRUCTOR_RESULTS: Record<string, string> = {
  'std::fs::File::open': 'std::fs::File',
  'std::fs::File::create': 'std::fs::File',
  'std::fs::File::create_new': 'std::fs::File',
  'std::fs::File::options': 'std::fs::OpenOptions',
  'std::net::TcpStream::connect': 'std::net::TcpStream',
  'std::net::TcpStream::connect_timeout': 'std::net::TcpStream',
  'std::net::TcpListener::bind': 'std::net::TcpListener',
  'std::net::UdpSocket::bind': 'std::net::UdpSocket',
  'std::io::stdin': 'std::io::Stdin',
  'std::thread::spawn': 'std::thread::JoinHandle',
};

/** Channel constructors by path, with the (blocking-`recv`) receiver type they return second. */
const CHANNEL_CONSTRUCTORS = new Map([
  ['std::sync::mpsc::channel', 'std::sync::mpsc'],
  ['std::sync::mpsc::sync_channel', 'std::sync::mpsc'],
  ['crossbeam_channel::unbounded', 'crossbeam_channel'],
  ['crossbeam_channel::bounded', 'crossbeam_channel'],
  ['crossbeam::channel::unbounded', 'crossbeam::channel'],
  ['crossbeam::channel::bounded', 'crossbeam::channel'],
  ['flume::unbounded', 'flume'],
  ['flume::bounded', 'flume'],
]);

const TOKIO_FIX_NOTE = 'Move the blocking work off the executor: tokio::task::spawn_blocking, a dedicated thread, or the async counterpart of this API.';

const ref = (path: string, args: TypeRef[] = []): TypeRef => ({ path, args });

/** Types and patterns nest this deep at most in real code; deeper is machine-made and not followed. */
const MAX_DEPTH = 16;

/**
 * The types of a function's local bindings, as far as syntax tells: typed params and lets, known constructors,
 * `Arc::new(x)`, clones and tuple destructuring. Later declarations shadow earlier ones (by position).
 */
class LocalTypes {
  private readonly decls: { name: string; at: number; type?: TypeRef }[] = [];

  constructor(private readonly uses: UseMap, private readonly selfFields: (field: string) => TypeRef | undefined) {}

  declare(pattern: Node, type: TypeRef | undefined, at: number, depth = 0): void {
    if (depth > MAX_DEPTH) return;
    if (pattern.type === 'identifier') this.decls.push({ name: pattern.text, at, type });
    else if (pattern.type === 'mut_pattern' || pattern.type === 'ref_pattern' || pattern.type === 'reference_pattern') {
      const inner = pattern.namedChildren.find((c) => c?.type !== 'mutable_specifier');
      if (inner) this.declare(inner, type && { ...type, reference: false }, at, depth + 1);
    } else if (pattern.type === 'tuple_pattern') {
      const parts = pattern.namedChildren.filter((c): c is Node => !!c);
      const tuple = type && derefTransparent(type);
      parts.forEach((p, i) => this.declare(p, tuple?.path === '(..)' ? tuple.args[i] : undefined, at, depth + 1));
    } else {
      // Other patterns (structs, slices) bind names we cannot type: record them as unknown so they shadow.
      for (const id of pattern.descendantsOfType('identifier')) if (id) this.decls.push({ name: id.text, at, type: undefined });
    }
  }

  lookup(name: string, at: number): TypeRef | undefined {
    let best: { at: number; type?: TypeRef } | undefined;
    for (const d of this.decls) if (d.name === name && d.at < at && (!best || d.at >= best.at)) best = d;
    return best?.type;
  }

  /** The type of an expression, when syntax alone tells it. */
  typeOf(expr: Node, depth = 0): TypeRef | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const e = unwrapValue(expr);
    switch (e.type) {
      case 'identifier':
        return this.lookup(e.text, e.startIndex);
      case 'field_expression': {
        const base = e.childForFieldName('value');
        const field = e.childForFieldName('field');
        return base?.type === 'self' && field ? this.selfFields(field.text) : undefined;
      }
      case 'tuple_expression':
        return ref('(..)', e.namedChildren.map((c) => (c ? this.typeOf(c, depth + 1) : undefined) ?? ref('?')));
      case 'call_expression':
        return this.callResult(e, depth);
      default:
        return undefined;
    }
  }

  private callResult(call: Node, depth: number): TypeRef | undefined {
    const path = callPath(call, this.uses);
    if (path) {
      const args = callArgs(call);
      if (CONSTRUCTOR_RESULTS[path]) return ref(CONSTRUCTOR_RESULTS[path]);
      const channel = CHANNEL_CONSTRUCTORS.get(path);
      if (channel) return ref('(..)', [ref(`${channel}::Sender`), ref(`${channel}::Receiver`)]);
      if ((path === 'std::sync::Arc::new' || path === 'std::sync::Arc::clone' || path === 'std::rc::Rc::new' || path === 'std::boxed::Box::new') && args[0]) return this.typeOf(args[0], depth + 1);
      if (path.endsWith('::new') && path.includes('::')) return ref(path.slice(0, -'::new'.length));
      return undefined;
    }
    const m = methodCall(call);
    if (!m) return undefined;
    if (m.name === 'clone' && m.args.length === 0) return this.typeOf(m.receiver, depth + 1);
    const recv = this.typeOf(m.receiver, depth + 1);
    const base = recv && derefTransparent(recv);
    if (base && BUILDER_METHODS[base.path]?.includes(m.name)) return base;
    if (base?.path === 'std::io::Stdin' && m.name === 'lock') return base;
    return undefined;
  }
}

/** Field types of `Self` for `self.field` receivers. */
function selfFieldLookup(fn: Node, file: SourceFile, workspace: Workspace): (field: string) => TypeRef | undefined {
  const impl = [...ancestors(fn)].find((a) => a.type === 'impl_item') ?? null;
  const selfType = implSelfType(impl);
  const name = selfType && (selfType.type === 'generic_type' ? selfType.childForFieldName('type') : selfType)?.text;
  if (!name) return () => undefined;
  return (field) => workspace.findStruct(name, file.path)?.value.fields.find((f) => f.name === field)?.type;
}

function collectBindings(fn: Node, types: LocalTypes, uses: UseMap): void {
  const params = fn.childForFieldName('parameters');
  for (const p of params?.namedChildren ?? []) {
    const pattern = p?.childForFieldName('pattern');
    if (p?.type === 'parameter' && pattern) types.declare(pattern, typeFromNode(p.childForFieldName('type'), uses), p.startIndex);
  }
  for (const node of fn.descendantsOfType(['let_declaration', 'closure_parameters', 'for_expression'])) {
    if (!node) continue;
    if (node.type === 'let_declaration') {
      const pattern = node.childForFieldName('pattern');
      const written = typeFromNode(node.childForFieldName('type'), uses);
      const value = node.childForFieldName('value');
      // Visible from the end of the statement: `let rx = rx.clone()` reads the outer `rx`.
      if (pattern) types.declare(pattern, written ?? (value ? types.typeOf(value) : undefined), node.endIndex - 1);
    } else if (node.type === 'for_expression') {
      const pattern = node.childForFieldName('pattern');
      if (pattern) types.declare(pattern, undefined, pattern.startIndex);
    } else {
      for (const c of node.namedChildren) {
        const pattern = c?.type === 'parameter' ? c.childForFieldName('pattern') : c;
        if (pattern) types.declare(pattern, c?.type === 'parameter' ? typeFromNode(c.childForFieldName('type'), uses) : undefined, node.startIndex);
      }
    }
  }
}


interface Candidate {
  call: Node;
  range: { start: number; end: number };
  message: string;
  context: Context;
  /** The receiver of a method call: a candidate inside it makes this one redundant. */
  receiver?: Node;
  kind: 'sleep' | 'fs' | 'block_on' | 'tokio-blocking' | 'other';
  fsName?: string;
}

function crateUsesTokio(file: SourceFile, uses: UseMap, fn: Node): boolean {
  if (file.crate.dependencies.has('tokio')) return true;
  if ([...uses.names.values(), ...uses.globs].some((p) => p === 'tokio' || p.startsWith('tokio::'))) return true;
  return /\btokio::/.test(fn.text);
}

function classifyPathCall(call: Node, path: string, context: Context): Candidate | undefined {
  const range = { start: call.startIndex, end: call.endIndex };
  const known = BLOCKING_FUNCTIONS.get(path);
  if (known) return { call, range, message: `${known} inside async code`, context, kind: path === 'std::thread::sleep' ? 'sleep' : path.endsWith('::block_on') ? 'block_on' : 'other' };
  if (path.startsWith('std::fs::') && STD_FS_FUNCTIONS.has(lastSegment(path)) && path.split('::').length === 3) {
    return { call, range, message: `${path} is blocking file I/O inside async code`, context, kind: 'fs', fsName: lastSegment(path) };
  }
  if (path.startsWith('reqwest::blocking::')) return { call, range, message: `${path} is reqwest's blocking client inside async code (it blocks, and panics when dropped in a runtime)`, context, kind: 'other' };
  return undefined;
}

function classifyMethodCall(call: Node, types: LocalTypes, context: Context): Candidate | undefined {
  const m = methodCall(call);
  if (!m || isAwaited(call)) return undefined;
  const range = { start: m.nameNode.startIndex, end: call.endIndex };
  const byName = BLOCKING_METHOD_NAMES.get(m.name);
  if (byName) return { call, range, message: byName, context, receiver: m.receiver, kind: m.name === 'block_on' ? 'block_on' : 'tokio-blocking' };
  const recv = types.typeOf(m.receiver);
  const base = recv && derefTransparent(recv);
  if (!base || !BLOCKING_METHODS[base.path]?.includes(m.name)) return undefined;
  // Condvar::wait takes the guard; a zero-argument `wait()` is something else.
  if (base.path.endsWith('Condvar') && m.args.length === 0) return undefined;
  return { call, range, message: `${base.path}::${m.name} blocks the executor thread inside async code`, context, receiver: m.receiver, kind: 'other' };
}

const BOUNDARIES = new Set(['function_item', 'async_block', 'closure_expression']);

/** A closure's context given the context around it and the method it is passed to (if any). */
function closureContext(closure: Node, outer: Context, calledBy: string | undefined): Context {
  if (isAsync(closure)) return 'async';
  return outer !== 'sync' && calledBy !== undefined && INLINE_CLOSURE_METHODS.has(calledBy) ? 'inline' : 'sync';
}

const spanKey = (start: number, end: number) => `${start}:${end}`;

/**
 * The context of every call in `fn`, by span. A tree cursor walks top-down keeping a stack of contexts: climbing
 * `node.parent` instead would cost O(depth) per step in tree-sitter, quadratic on 10,000-deep nesting.
 */
function callContexts(fn: Node): Map<string, Context> {
  const out = new Map<string, Context>();
  const rootContext: Context = isAsync(fn) ? 'async' : 'sync';
  const cursor = fn.walk();
  try {
    // One entry per open ancestor: the context inside it; for a call its method name, for `arguments` the method they go to.
    const stack: { context: Context; callMethod?: string; argsMethod?: string }[] = [];
    if (!cursor.gotoFirstChild()) return out;
    for (;;) {
      const type = cursor.nodeType;
      const parent = stack.at(-1);
      const context: Context = parent?.context ?? rootContext;
      const entry: { context: Context; callMethod?: string; argsMethod?: string } = { context };
      if (BOUNDARIES.has(type)) {
        const node = cursor.currentNode;
        entry.context = type === 'closure_expression' ? closureContext(node, context, parent?.argsMethod) : isAsync(node) ? 'async' : 'sync';
      } else if (type === 'call_expression') {
        out.set(spanKey(cursor.startIndex, cursor.endIndex), context);
        const callee = calleeOf(cursor.currentNode);
        entry.callMethod = callee?.type === 'field_expression' ? callee.childForFieldName('field')?.text : undefined;
      } else if (type === 'arguments') {
        entry.argsMethod = parent?.callMethod;
      }
      if (cursor.gotoFirstChild()) {
        stack.push(entry);
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (stack.length === 0 || !cursor.gotoParent()) return out;
        stack.pop();
      }
    }
  } finally {
    cursor.delete();
  }
}

/** Method names worth a closer look: everything the tables can flag. */
const INTERESTING_METHODS = new Set([...BLOCKING_METHOD_NAMES.keys(), ...Object.values(BLOCKING_METHODS).flat()]);

/** Calls of the function that could block, each with its context; types are read only when a method needs them. */
function findCandidates(fn: Node, uses: UseMap, types: () => LocalTypes): Candidate[] {
  const found: Candidate[] = [];
  let contexts: Map<string, Context> | undefined;
  for (const capture of query('(call_expression) @call').captures(fn)) {
    const call = capture.node;
    const callee = calleeOf(call);
    if (!callee) continue;
    const path = callPath(call, uses);
    const isMethod = callee.type === 'field_expression';
    if (isMethod ? !INTERESTING_METHODS.has(callee.childForFieldName('field')?.text ?? '') : !path) continue;
    contexts ??= callContexts(fn);
    const context = contexts.get(spanKey(call.startIndex, call.endIndex)) ?? 'sync';
    if (context === 'sync') continue;
    const c = path ? classifyPathCall(call, path, context) : isMethod ? classifyMethodCall(call, types(), context) : undefined;
    if (c) found.push(c);
  }
  // `File::open(p)?.read_to_string(&mut s)`: one finding for the chain, on the call that starts blocking.
  return found.filter((c) => !found.some((d) => d !== c && c.receiver && c.receiver.startIndex <= d.call.startIndex && d.call.endIndex <= c.receiver.endIndex));
}

function sleepFix(c: Candidate): Fix | undefined {
  const callee = calleeOf(c.call);
  if (!callee) return undefined;
  return {
    title: 'Use tokio::time::sleep(..).await',
    preferred: true,
    safe: true,
    edits: [{ path: '', edits: [{ start: callee.startIndex, end: callee.endIndex, newText: 'tokio::time::sleep' }, { start: c.call.endIndex, end: c.call.endIndex, newText: '.await' }] }],
  };
}

function tokioFsFix(c: Candidate): Fix | undefined {
  const callee = calleeOf(c.call);
  if (!callee || !c.fsName || !STD_FS_FUNCTIONS.get(c.fsName)) return undefined;
  return {
    title: `Use tokio::fs::${c.fsName}(..).await`,
    preferred: true,
    safe: true,
    edits: [{ path: '', edits: [{ start: callee.startIndex, end: callee.endIndex, newText: `tokio::fs::${c.fsName}` }, { start: c.call.endIndex, end: c.call.endIndex, newText: '.await' }] }],
  };
}

/** `expr` -> `tokio::task::spawn_blocking(move || expr).await.unwrap()`: same value, run on the blocking pool. */
function spawnBlockingFix(c: Candidate): Fix {
  return {
    title: 'Run it in tokio::task::spawn_blocking',
    safe: false,
    edits: [{ path: '', edits: [
      { start: c.call.startIndex, end: c.call.startIndex, newText: 'tokio::task::spawn_blocking(move || ' },
      { start: c.call.endIndex, end: c.call.endIndex, newText: ').await.unwrap()' },
    ] }],
  };
}

/** `block_on(fut)` / `rt.block_on(fut)` -> `fut.await`: the caller is already async. */
function awaitInsteadFix(c: Candidate): Fix | undefined {
  const args = callArgs(c.call);
  if (args.length !== 1) return undefined;
  const arg = args[0];
  const simple = /^(identifier|field_expression|call_expression|async_block|parenthesized_expression)$/.test(arg.type);
  return {
    title: 'Await the future instead of block_on',
    preferred: true,
    safe: false,
    edits: [{ path: '', edits: [{ start: c.call.startIndex, end: c.call.endIndex, newText: `${simple ? arg.text : `(${arg.text})`}.await` }] }],
  };
}

/** `m.blocking_lock()` -> `m.lock().await`: tokio's async form of the same call. */
function tokioAsyncMethodFix(c: Candidate): Fix | undefined {
  const m = methodCall(c.call);
  if (!m) return undefined;
  return {
    title: `Use .${m.name.replace(/^blocking_/, '')}(${m.args.length ? '..' : ''}).await`,
    preferred: true,
    safe: true,
    edits: [{ path: '', edits: [{ start: m.nameNode.startIndex, end: m.nameNode.endIndex, newText: m.name.replace(/^blocking_/, '') }, { start: c.call.endIndex, end: c.call.endIndex, newText: '.await' }] }],
  };
}

function fixesFor(c: Candidate, path: string, tokio: boolean): Fix[] {
  // `.await` is only valid directly in the async body, not inside an inline closure.
  if (c.context !== 'async') return [];
  const fixes: (Fix | undefined)[] = [];
  if (c.kind === 'block_on') fixes.push(awaitInsteadFix(c));
  if (c.kind === 'tokio-blocking') fixes.push(tokioAsyncMethodFix(c));
  if (tokio && c.kind === 'sleep') fixes.push(sleepFix(c));
  if (tokio && c.kind === 'fs') fixes.push(tokioFsFix(c));
  if (tokio && (c.kind === 'fs' || c.kind === 'other')) fixes.push(spawnBlockingFix(c));
  return fixes.filter((f): f is Fix => !!f).map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, path })) }));
}

/** Another runtime in the crate: tokio's timers and fs panic outside a tokio runtime, so its rewrites need a human. */
const OTHER_RUNTIMES = ['async_std', 'smol', 'glommio', 'monoio', 'actix_rt'];

function otherRuntimeIn(file: SourceFile): boolean {
  return OTHER_RUNTIMES.some((r) => file.crate.dependencies.has(r));
}

function report(ctx: FunctionContext, c: Candidate, tokio: boolean): Report {
  const notes = [
    'An async task runs on a few shared executor threads; while this call blocks, every other task on that thread stalls.',
  ];
  if (c.context === 'inline') notes.push('It sits in a closure that the async body calls right away, so it runs on the executor thread too.');
  if (!tokio) notes.push(`No tokio fix offered: this crate does not use tokio. ${TOKIO_FIX_NOTE}`);
  else if (c.context === 'inline') notes.push(TOKIO_FIX_NOTE);
  const unattended = !otherRuntimeIn(ctx.file);
  const fixes = fixesFor(c, ctx.file.path, tokio).map((f) => (f.safe && !unattended ? { ...f, safe: false } : f));
  return { range: c.range, message: c.message, notes, fixes };
}

export const blockingInAsync: Rule = {
  id: 'blocking-in-async',
  severity: 'warning',
  // Superset of the `\basync\b` test in checkFunction: functions without it are skipped before the rule runs.
  mentions: ['async'],
  clippyLints: [],
  docs: {
    summary: 'A blocking call (sleep, std::fs, std::net, std mpsc recv, Condvar::wait, block_on) inside async code.',
    whatItDoes:
      'Flags calls that block the OS thread when they are written inside an `async fn`, an `async` block or an async closure: `std::thread::sleep`, `std::fs` functions and `std::fs::File` I/O, blocking `std::net` sockets, `std::io::stdin()` reads, `recv` on a `std::sync::mpsc::Receiver`, `Condvar::wait`, `block_on` of any executor, tokio\'s `blocking_lock`/`blocking_recv`/`blocking_send`/`blocking_read`/`blocking_write`, and `reqwest::blocking`. Names are resolved through the file\'s imports, so `use tokio::time::sleep; sleep(d).await` stays clean. Closures handed to `spawn_blocking`, `block_in_place` or `std::thread::spawn`, and plain (non-async) functions, are not async code.',
    whyBad:
      'Async runtimes multiplex many tasks over a handful of threads. A task that blocks its thread stops every other task scheduled there: timers fire late, connections time out, and with a single-threaded runtime the whole program freezes. `block_on` and tokio\'s `blocking_*` methods inside a runtime panic or deadlock.',
    example: 'async fn poll_status(path: &str) -> String {\n    std::thread::sleep(Duration::from_secs(1));\n    std::fs::read_to_string(path).unwrap()\n}',
    useInstead:
      'async fn poll_status(path: &str) -> String {\n    tokio::time::sleep(Duration::from_secs(1)).await;\n    tokio::fs::read_to_string(path).await.unwrap()\n}\n// or, for CPU-heavy or unavoidable blocking work:\nlet data = tokio::task::spawn_blocking(move || expensive(&input)).await?;',
    differences:
      'clippy has no general lint for blocking calls in async code (`clippy::disallowed_methods` can be configured by hand). Blindspot only flags calls it can resolve: a `recv()` is flagged only when the receiver is known to be a `std::sync::mpsc::Receiver`, and an awaited call is never flagged. Sync helpers called from async fns are not followed, and test code (`#[test]`, `#[tokio::test]`, `#[cfg(test)]`, `tests/`, `benches/`) is skipped. The tokio rewrites are only offered when the crate uses tokio, and are not applied unattended when it also depends on another runtime (tokio timers panic outside a tokio runtime).',
  },
  checkFunction(ctx) {
    // No `async` anywhere in the function: nothing in it runs on an executor.
    if (!/\basync\b/.test(ctx.fn.text) || isTestCode(ctx.fn, ctx.file.path, ctx.file.crate.root)) return;
    const uses = scopedUses(ctx.fn, ctx.file.facts.uses);
    let types: LocalTypes | undefined;
    const lazyTypes = () => {
      if (!types) {
        types = new LocalTypes(uses, selfFieldLookup(ctx.fn, ctx.file, ctx.workspace));
        collectBindings(ctx.fn, types, uses);
      }
      return types;
    };
    const candidates = findCandidates(ctx.fn, uses, lazyTypes);
    if (candidates.length === 0) return;
    const tokio = crateUsesTokio(ctx.file, uses, ctx.fn);
    for (const c of candidates) ctx.report(report(ctx, c, tokio));
  },
};
