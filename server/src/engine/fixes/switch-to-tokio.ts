// "Switch to tokio::sync::Mutex": rewrite the lock's declaration and every acquisition of it in the file.
import type { Fix, FileEdit, RuleContext, TextEdit } from '../rule';
import { acquisitionsIn, type Acquisition } from '../resolve/locks';
import { TypeEnv } from '../resolve/expr';
import { canonicalPath, moduleUsesAt } from '../resolve/paths';
import { findInType } from '../resolve/types';
import { enclosingBody, fileFunctionItems, isAsync, walk, walkFile } from '../syntax';

const TOKIO_EQUIVALENT: Record<string, string> = {
  'std::sync::Mutex': 'tokio::sync::Mutex',
  'std::sync::RwLock': 'tokio::sync::RwLock',
  'parking_lot::Mutex': 'tokio::sync::Mutex',
  'parking_lot::RwLock': 'tokio::sync::RwLock',
};

export function usesTokio(ctx: RuleContext): boolean {
  return ctx.file.crate.dependencies.has('tokio') || [...ctx.file.facts.uses.names.values()].some((p) => p.startsWith('tokio'));
}

/** `.lock().unwrap()` -> `.lock().await`: replaces what follows the call up to the end of the guard expression. */
function awaitEdit(acq: Acquisition): TextEdit | undefined {
  // Only `recv.lock().unwrap()`-shaped chains; a guard wrapped in a call (`MutexGuard::map(..)`) is left alone.
  if (!['lock', 'read', 'write'].includes(acq.method) || acq.guard.startIndex !== acq.call.startIndex) return undefined;
  return { start: acq.call.endIndex, end: acq.guard.endIndex, newText: '.await' };
}

/** `Mutex::new(..)` inside struct literals of `structName` that initialise `fieldName`. */
function structLiteralConstructors(structName: string, fieldName: string, lockPath: string, ctx: RuleContext): TextEdit[] {
  const edits: TextEdit[] = [];
  walkFile(ctx.file, (n) => {
    if (n.type !== 'field_initializer' || n.childForFieldName('field')?.text !== fieldName) return true;
    const literal = n.parent?.parent;
    const name = literal?.childForFieldName('name')?.text;
    if (literal?.type !== 'struct_expression' || (name !== structName && name !== 'Self')) return true;
    walk(n, (c) => {
      if (c.type !== 'scoped_identifier' || !/^(new|default|const_new)$/.test(c.childForFieldName('name')?.text ?? '')) return true;
      const owner = c.childForFieldName('path');
      if (owner && canonicalPath(owner.text, moduleUsesAt(owner, ctx.file.facts.uses)) === lockPath) edits.push({ start: owner.startIndex, end: owner.endIndex, newText: TOKIO_EQUIVALENT[lockPath] });
      return true;
    });
    return false;
  });
  return edits;
}

/** Acquisitions in every function of the file: the switch must rewrite all of them. */
function fileAcquisitions(ctx: RuleContext): Acquisition[] {
  return fileFunctionItems(ctx.file).flatMap(({ fn, impl }) => acquisitionsIn(fn, new TypeEnv(ctx.file, ctx.workspace, fn, impl), ctx.settings.extraBlockingGuards));
}

/** After the switch, `use std::sync::Mutex` (or `Mutex` in a `{…}` list) may be unused: remove it. */
function unusedImportEdit(ctx: RuleContext, lockPath: string, edits: TextEdit[]): TextEdit | undefined {
  const local = [...ctx.file.facts.uses.names].find(([, full]) => full === lockPath)?.[0];
  if (!local) return undefined;
  const decl = ctx.file.root.namedChildren.find((c) => c?.type === 'use_declaration' && new RegExp(`\\b${local}\\b`).test(c.text));
  if (!decl) return undefined;
  const { text } = ctx.file;
  const rewritten = edits.filter((e) => /\bMutex\b|\bRwLock\b/.test(text.slice(e.start, e.end)));
  for (let at = text.indexOf(local); at >= 0; at = text.indexOf(local, at + 1)) {
    if (isWordChar(text.charCodeAt(at - 1)) || isWordChar(text.charCodeAt(at + local.length))) continue;
    const inDecl = at >= decl.startIndex && at < decl.endIndex;
    const replaced = rewritten.some((e) => at >= e.start && at < e.end);
    const inComment = /\/\//.test(text.slice(text.lastIndexOf('\n', at) + 1, at));
    if (!inDecl && !replaced && !inComment) return undefined;
  }
  const item = decl.descendantsOfType(['identifier', 'use_as_clause']).find((n) => n && (n.type === 'use_as_clause' ? n.childForFieldName('alias')?.text === local : n.text === local && n.parent?.type === 'use_list'));
  if (item && item.parent?.type === 'use_list') {
    const next = item.nextNamedSibling;
    const prev = item.previousNamedSibling;
    if (next) return { start: item.startIndex, end: next.startIndex, newText: '' };
    if (prev) return { start: prev.endIndex, end: item.endIndex, newText: '' };
  }
  if (!decl.text.includes('{')) {
    const line = ctx.file.lines.positionAt(decl.startIndex).line;
    const start = ctx.file.lines.lineStart(line);
    const end = Math.min(text.length, ctx.file.lines.lineEnd(line) + 1);
    return text.slice(start, decl.startIndex).trim() === '' ? { start, end, newText: '' } : { start: decl.startIndex, end: decl.endIndex, newText: '' };
  }
  return undefined;
}

export function switchToTokioFix(ctx: RuleContext, acq: Acquisition): Fix | undefined {
  const target = TOKIO_EQUIVALENT[acq.lock.path];
  const origin = acq.typed?.origin;
  if (!target || !acq.certain || !origin || !usesTokio(ctx)) return undefined;
  // Parameters change callers, visible fields change other files, statics need `const_new`: not mechanical here.
  if (origin.visible || origin.key.startsWith('param') || origin.key.startsWith('static')) return undefined;
  const sameLock = fileAcquisitions(ctx).filter((a) => a.key === acq.key && a.lock.path === acq.lock.path);
  if (sameLock.some((a) => !a.body || !isAsync(a.body) || !awaitEdit(a))) return undefined;
  const edits: FileEdit[] = [];
  const add = (path: string, e: TextEdit) => {
    const fe = edits.find((x) => x.path === path) ?? (edits.push({ path, edits: [] }), edits[edits.length - 1]);
    if (!fe.edits.some((x) => x.start === e.start && x.end === e.end)) fe.edits.push(e);
  };
  const lockType = origin.type && findInType(origin.type, (p) => p === acq.lock.path || p === acq.lock.path);
  if (lockType?.base) add(origin.path, { start: lockType.base.start, end: lockType.base.end, newText: target });
  if (origin.ctor) add(origin.path, { start: origin.ctor.start, end: origin.ctor.end, newText: target });
  const [structName, fieldName] = origin.key.split('.');
  if (fieldName && !origin.key.startsWith('static')) {
    for (const e of structLiteralConstructors(structName, fieldName, acq.lock.path, ctx)) add(ctx.file.path, e);
  }
  if (!lockType?.base && !origin.ctor) return undefined;
  for (const a of sameLock) add(ctx.file.path, awaitEdit(a)!);
  const unused = unusedImportEdit(ctx, acq.lock.path, edits.find((e) => e.path === ctx.file.path)?.edits ?? []);
  if (unused) add(ctx.file.path, unused);
  const functions = new Set(sameLock.map((a) => enclosingBody(a.call)?.id));
  const reach = functions.size > 1 || edits.some((e) => e.path !== ctx.file.path) || origin.key.includes('.') ? ` (changes ${edits.reduce((n, e) => n + e.edits.length, 0)} places in ${functions.size} function${functions.size > 1 ? 's' : ''}${edits.length > 1 ? ` and ${edits.length} files` : ''})` : '';
  return { title: `Switch \`${acq.receiver.text}\` to ${target}${reach}`, edits };
}

/** `\w` in a regular expression (NaN, outside the text, is not). */
function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}
