// Code actions for the findings under the cursor: the rule's fixes, "Disable RULE for this line",
// "Show documentation for RULE", and `source.fixAll.blindspot` applying every fix marked safe.
import { CodeActionKind, TextDocumentEdit, type CodeAction, type CodeActionParams, type TextEdit as LspTextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { applyFixes } from '../engine/fixer';
import type { FileEdit, Finding, Fix } from '../engine/rule';
import { allowCommentText } from '../engine/suppress';
import type { LineIndex } from '../engine/text';
import { toDiagnostic, toRange, type Locate } from './diagnostics';
import type { Analysis, OpenDocument } from './documents';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.blindspot`;
export const SHOW_RULE_DOCS_COMMAND = 'blindspot.showRuleDocs';

export interface CodeActionContext {
  doc: OpenDocument;
  analysis: Analysis;
  locate: Locate;
  /** The client accepts versioned `documentChanges` (then stale edits are refused by the client). */
  documentChanges: boolean;
}

/** `only: ["source"]` asks for `source.fixAll.blindspot` too: kinds are dot-separated hierarchies. */
function wanted(kind: string, only: string[] | undefined): boolean {
  return !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
}

function overlaps(f: Finding, start: number, end: number): boolean {
  return f.range.start <= end && f.range.end >= start;
}

function buildEdit(fileEdits: FileEdit[], ctx: CodeActionContext): WorkspaceEdit | undefined {
  const perFile: { uri: string; version: number | null; edits: LspTextEdit[] }[] = [];
  for (const fe of fileEdits) {
    const own = fe.path === ctx.doc.path;
    const where = own ? { uri: ctx.doc.uri, lines: ctx.doc.engineDoc.lineIndex } : ctx.locate(fe.path);
    if (!where) return undefined; // a file we can't read: offer nothing rather than half a fix
    const edits = fe.edits.map((e) => ({ range: toRange(where.lines, e), newText: e.newText }));
    perFile.push({ uri: where.uri, version: own ? ctx.doc.version : null, edits });
  }
  if (ctx.documentChanges) {
    return { documentChanges: perFile.map((f) => TextDocumentEdit.create({ uri: f.uri, version: f.version }, f.edits)) };
  }
  const changes: Record<string, LspTextEdit[]> = {};
  for (const f of perFile) changes[f.uri] = [...(changes[f.uri] ?? []), ...f.edits];
  return { changes };
}

function fixActions(f: Finding, ctx: CodeActionContext): CodeAction[] {
  const diagnostic = toDiagnostic(f, ctx.doc.engineDoc.lineIndex, ctx.locate, ctx.analysis.version);
  const out: CodeAction[] = [];
  for (const fix of f.fixes) {
    const edit = buildEdit(fix.edits, ctx);
    if (edit) out.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: !!fix.preferred, edit });
  }
  return out;
}

/** `// blindspot: allow(RULE)` on its own line above the finding, indented like that line. */
function disableForLine(f: Finding, ctx: CodeActionContext): CodeAction {
  const lines: LineIndex = ctx.doc.engineDoc.lineIndex;
  const line = lines.positionAt(f.range.start).line;
  const eol = lines.text.includes('\r\n') ? '\r\n' : '\n';
  const at = lines.lineStart(line);
  const newText = `${lines.indentOf(line)}${allowCommentText(f.ruleId)}${eol}`;
  return {
    title: `Disable ${f.ruleId} for this line`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [toDiagnostic(f, lines, ctx.locate, ctx.analysis.version)],
    edit: buildEdit([{ path: ctx.doc.path, edits: [{ start: at, end: at, newText }] }], ctx),
  };
}

function showDocs(ruleId: string): CodeAction {
  const title = `Show documentation for ${ruleId}`;
  return { title, kind: CodeActionKind.QuickFix, command: { title, command: SHOW_RULE_DOCS_COMMAND, arguments: [ruleId] } };
}

/** Every safe fix of the file whose edits stay in the file and don't overlap one already taken. */
export function fixAllAction(ctx: CodeActionContext): CodeAction | undefined {
  const { doc } = ctx;
  const safe: Fix[] = ctx.analysis.findings
    .flatMap((f) => f.fixes)
    .filter((fix) => fix.safe && fix.edits.every((fe) => fe.path === doc.path));
  if (!safe.length) return undefined;
  const { applied } = applyFixes(new Map([[doc.path, doc.engineDoc.text]]), safe);
  if (!applied.length) return undefined;
  const edit = buildEdit([{ path: doc.path, edits: applied.flatMap((fix) => fix.edits.flatMap((fe) => fe.edits)) }], ctx);
  return edit && { title: 'Fix all safe Blindspot findings', kind: FIX_ALL_KIND, edit };
}

export function codeActions(params: CodeActionParams, ctx: CodeActionContext): CodeAction[] {
  const lines = ctx.doc.engineDoc.lineIndex;
  const start = lines.offsetAt(params.range.start);
  const end = lines.offsetAt(params.range.end);
  const only = params.context.only;
  const out: CodeAction[] = [];
  if (wanted(CodeActionKind.QuickFix, only)) {
    const here = ctx.analysis.findings.filter((f) => overlaps(f, Math.min(start, end), Math.max(start, end)));
    const seenRules = new Set<string>();
    for (const f of here) out.push(...fixActions(f, ctx));
    for (const f of here) {
      const key = `${f.ruleId}:${lines.positionAt(f.range.start).line}`;
      if (seenRules.has(key)) continue;
      seenRules.add(key);
      out.push(disableForLine(f, ctx));
    }
    for (const ruleId of new Set(here.map((f) => f.ruleId))) out.push(showDocs(ruleId));
  }
  if (wanted(FIX_ALL_KIND, only)) {
    const all = fixAllAction(ctx);
    if (all) out.push(all);
  }
  return out;
}
