// unbounded-channel: a channel with no capacity limit. When the consumer is slower than the producers, the
// queue grows until memory runs out, and nothing pushes back on the senders.
import type { Node } from '../engine/parser';
import type { Fix, Rule } from '../engine/rule';
import { callPath, calleeOf, importedNamesOf, scopedUses } from '../engine/resolve/calls';
import { isTestCode } from '../engine/test-code';
import type { UseMap } from '../engine/resolve/paths';

interface Bounded {
  /** Canonical path of the bounded constructor. */
  path: string;
  /** What changes for the code around it. */
  apiNote: string;
}

const BOUNDED: Record<string, Bounded> = {
  'tokio::sync::mpsc::unbounded_channel': {
    path: 'tokio::sync::mpsc::channel',
    apiNote: 'tokio\'s bounded `Sender::send` is async (`tx.send(v).await`, or `try_send` to fail fast), and the types become `mpsc::Sender`/`mpsc::Receiver` instead of `UnboundedSender`/`UnboundedReceiver`.',
  },
  'crossbeam_channel::unbounded': { path: 'crossbeam_channel::bounded', apiNote: 'a bounded crossbeam `send` blocks while the channel is full (`try_send` fails instead).' },
  'crossbeam::channel::unbounded': { path: 'crossbeam::channel::bounded', apiNote: 'a bounded crossbeam `send` blocks while the channel is full (`try_send` fails instead).' },
  'flume::unbounded': { path: 'flume::bounded', apiNote: 'a bounded flume `send` blocks while the channel is full; in async code use `send_async(v).await`.' },
  'async_channel::unbounded': { path: 'async_channel::bounded', apiNote: 'a bounded async-channel `send(v).await` waits while the channel is full (`try_send` fails instead).' },
  'std::sync::mpsc::channel': {
    path: 'std::sync::mpsc::sync_channel',
    apiNote: '`sync_channel` returns a `SyncSender`, whose `send` blocks while the channel is full (`try_send` fails instead); a capacity of 0 makes every send a rendezvous.',
  },
};

/** The placeholder capacity the fix writes and selects for the user to adjust. */
const CAPACITY = '64';

function lastName(path: string): string {
  return path.slice(path.lastIndexOf('::') + 2);
}

/**
 * `mpsc::unbounded_channel::<T>()` -> `mpsc::channel::<T>(64)` with `64` selected. A bare imported name
 * (`unbounded()`) becomes the full path, so the fix needs no new import.
 */
function boundedFix(call: Node, callee: Node, bounded: Bounded, path: string): Fix | undefined {
  const args = call.childForFieldName('arguments');
  if (!args || args.namedChildCount > 0) return undefined;
  const nameNode = callee.type === 'scoped_identifier' ? callee.childForFieldName('name') : callee;
  if (!nameNode) return undefined;
  const newName = callee.type === 'scoped_identifier' ? lastName(bounded.path) : bounded.path;
  const delta = newName.length - (nameNode.endIndex - nameNode.startIndex);
  const selectStart = args.startIndex + 1 + delta;
  return {
    title: `Use the bounded ${lastName(bounded.path)}(${CAPACITY}) and pick a capacity`,
    preferred: true,
    safe: false,
    edits: [{ path, edits: [
      { start: nameNode.startIndex, end: nameNode.endIndex, newText: newName },
      { start: args.startIndex, end: args.endIndex, newText: `(${CAPACITY})` },
    ] }],
    select: { path, start: selectStart, end: selectStart + CAPACITY.length },
  };
}

/** Per import map (one per file, shared by its functions): a test for the local names of the constructors, if any. */
const aliasTests = new WeakMap<UseMap, RegExp | null>();

function aliasTest(fileUses: UseMap): RegExp | null {
  let test = aliasTests.get(fileUses);
  if (test === undefined) {
    const names = importedNamesOf(Object.keys(BOUNDED), fileUses);
    test = names.length ? new RegExp(`\\b(${names.join('|')})\\b`) : null;
    aliasTests.set(fileUses, test);
  }
  return test;
}

/** Cheap text test before any tree walk: the constructors' names, or a file-level alias of one, must appear. */
function mayCallConstructor(text: string, fileUses: UseMap): boolean {
  if (/\b(channel|unbounded_channel|unbounded)\b/.test(text)) return true;
  return aliasTest(fileUses)?.test(text) ?? false;
}

export const unboundedChannel: Rule = {
  id: 'unbounded-channel',
  severity: 'hint',
  docs: {
    summary: 'An unbounded channel: a slow consumer lets the queue grow without limit.',
    whatItDoes:
      'Points at `tokio::sync::mpsc::unbounded_channel`, `crossbeam_channel::unbounded`, `flume::unbounded`, `async_channel::unbounded` and `std::sync::mpsc::channel` (resolved through imports), and offers the bounded constructor with a capacity to choose.',
    whyBad:
      'An unbounded channel never pushes back: when producers outpace the consumer (a burst of traffic, a stalled database, a slow client), every message is kept in memory until the process is killed. The growth is silent: nothing fails until the out-of-memory kill. A bounded channel makes the overload visible where it starts: senders wait or get an error.',
    example: 'let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();\ntx.send(event)?;',
    useInstead: 'let (tx, mut rx) = tokio::sync::mpsc::channel(1024);\ntx.send(event).await?; // waits while the consumer is behind',
    differences:
      'clippy has no counterpart. A hint, not a warning: an unbounded channel is fine when the producer is naturally limited (one message per user command, a fixed set of jobs). `sync_channel`, `bounded` and `oneshot`/`watch`/`broadcast` channels are never flagged, nor is test code.',
  },
  checkFunction(ctx) {
    if (!mayCallConstructor(ctx.fn.text, ctx.file.facts.uses) || isTestCode(ctx.fn, ctx.file.path, ctx.file.crate.root)) return;
    const uses = scopedUses(ctx.fn, ctx.file.facts.uses);
    for (const call of ctx.fn.descendantsOfType('call_expression')) {
      const path = call && callPath(call, uses);
      const bounded = path ? BOUNDED[path] : undefined;
      const callee = call && calleeOf(call);
      if (!call || !bounded || !callee) continue;
      const fix = boundedFix(call, callee, bounded, ctx.file.path);
      ctx.report({
        range: { start: callee.startIndex, end: call.endIndex },
        message: `unbounded channel (${path}): a slow receiver lets queued messages grow without limit`,
        notes: [`Bounded alternative: ${bounded.path}(capacity). API difference: ${bounded.apiNote}`],
        fixes: fix ? [fix] : [],
      });
    }
  },
};
