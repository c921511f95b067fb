// Hover on a flagged range: the finding, why it matters here (the rule's notes), the fixes on offer,
// then the rule's docs in the same words as `--explain`.
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { ruleDocsMarkdown } from '../engine/docs';
import type { Finding, Rule } from '../engine/rule';
import { toRange } from './diagnostics';
import type { Analysis, OpenDocument } from './documents';

function findingMarkdown(f: Finding, rule: Rule | undefined): string {
  const parts = [`**${f.ruleId}**: ${f.message}`];
  if (f.notes.length) parts.push(`**Why it matters here**\n\n${f.notes.map((n) => `- ${n}`).join('\n')}`);
  if (f.fixes.length) {
    const fixes = f.fixes.map((fix) => `- ${fix.title}${fix.preferred ? ' (preferred)' : ''}${fix.safe ? ' (safe to apply automatically)' : ''}`);
    parts.push(`**Fixes on offer** (quick fix menu)\n\n${fixes.join('\n')}`);
  }
  if (rule) parts.push(ruleDocsMarkdown(rule, 4));
  return parts.join('\n\n');
}

export function hoverAt(doc: OpenDocument, analysis: Analysis, position: Position, ruleById: (id: string) => Rule | undefined): Hover | null {
  const lines = doc.engineDoc.lineIndex;
  const offset = lines.offsetAt(position);
  const here = analysis.findings.filter((f) => f.range.start <= offset && offset <= f.range.end);
  if (!here.length) return null;
  const value = here.map((f) => findingMarkdown(f, ruleById(f.ruleId))).join('\n\n---\n\n');
  return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(lines, here[0].range) };
}
