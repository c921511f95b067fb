// rustc-style text: header, `--> path:line:col`, the source line with carets, related spans as notes,
// then `= note:` and `= help:` footers. Columns count characters; tabs show as 4 spaces.
import type { Finding, Related, Severity } from '../engine/rule';
import type { OffsetRange } from '../engine/text';
import { allFindings, countBySeverity, displayPath, plural, SEVERITY_ORDER, type CheckReport } from './report';
import { makeStyle, type Style } from './style';

const TAB = '    ';

function severityColor(severity: Severity, style: Style): (s: string) => string {
  return severity === 'error' ? style.red : severity === 'warning' ? style.yellow : style.cyan;
}

function severityLabel(severity: Severity, style: Style): string {
  return style.bold(severityColor(severity, style)(severity));
}

interface Span {
  path: string;
  range: OffsetRange;
}

/** The lines of one span: arrow, blank gutter, numbered source line, carets. */
function snippet(report: CheckReport, span: Span, gutter: number, style: Style, caretColor: (s: string) => string): string[] {
  const index = report.lines.index(span.path);
  const at = report.lines.place(span.path, span.range.start);
  const pad = ' '.repeat(gutter);
  const bar = style.blue(`${pad} |`);
  const out = [`${pad}${style.blue('-->')} ${displayPath(report.root, span.path)}:${at.line}:${at.column}`];
  if (!index) return out;
  const line = at.line - 1;
  const lineText = index.lineText(line);
  const lineStart = index.lineStart(line);
  const startInLine = span.range.start - lineStart;
  const endInLine = Math.min(span.range.end, index.lineEnd(line)) - lineStart;
  const before = [...lineText.slice(0, startInLine).replace(/\t/g, TAB)].length;
  const width = Math.max(1, [...lineText.slice(startInLine, Math.max(startInLine, endInLine)).replace(/\t/g, TAB)].length);
  const continues = span.range.end > index.lineEnd(line) ? ' ...' : '';
  out.push(bar);
  out.push(`${style.blue(String(at.line).padStart(gutter) + ' |')} ${lineText.replace(/\t/g, TAB)}`);
  out.push(`${bar} ${' '.repeat(before)}${caretColor('^'.repeat(width))}${continues}`);
  return out;
}

function gutterWidth(report: CheckReport, finding: Finding): number {
  const lines = [finding, ...finding.related].map((s) => report.lines.place(s.path, s.range.start).line);
  return String(Math.max(...lines)).length;
}

function relatedBlock(report: CheckReport, r: Related, gutter: number, style: Style): string[] {
  return [`${style.bold(style.green('note'))}: ${r.message}`, ...snippet(report, r, gutter, style, style.green)];
}

export function formatFinding(report: CheckReport, f: Finding, style: Style): string {
  const gutter = gutterWidth(report, f);
  const pad = ' '.repeat(gutter);
  const caretColor = severityColor(f.severity, style);
  const lines = [`${severityLabel(f.severity, style)}${style.bold(`[${f.ruleId}]: ${f.message}`)}`];
  lines.push(...snippet(report, f, gutter, style, caretColor));
  for (const r of f.related) lines.push(...relatedBlock(report, r, gutter, style));
  const footer = (kind: string, text: string) => `${pad} ${style.blue('=')} ${style.bold(kind)}: ${text}`;
  if (f.notes.length || f.fixes.length) lines.push(style.blue(`${pad} |`));
  for (const note of f.notes) lines.push(footer('note', note));
  for (const fix of f.fixes) lines.push(footer('help', fix.safe ? `${fix.title} (safe: \`--fix\` applies it)` : fix.title));
  return lines.join('\n') + '\n';
}

function severityBreakdown(report: CheckReport): string {
  const counts = countBySeverity(allFindings(report));
  return [...SEVERITY_ORDER]
    .reverse()
    .filter((s) => counts.get(s))
    .map((s) => plural(counts.get(s)!, s))
    .join(', ');
}

export function formatSummary(report: CheckReport, style: Style): string {
  const findings = allFindings(report);
  const checked = `${plural(report.files.length, 'file')} checked`;
  const skipped = report.skipped.length ? `, ${plural(report.skipped.length, 'file')} skipped` : '';
  const fixedCount = report.files.reduce((n, f) => n + f.fixed.length, 0);
  const fixedFiles = report.files.filter((f) => f.fixed.length).length;
  const fixed = fixedCount ? `${style.green(`fixed ${plural(fixedCount, 'finding')} in ${plural(fixedFiles, 'file')}`)}; ` : '';
  if (!findings.length) return `${style.bold('blindspot')}: ${fixed}no findings (${checked}${skipped})\n`;
  const withFindings = report.files.filter((f) => f.findings.length).length;
  return `${style.bold('blindspot')}: ${fixed}${plural(findings.length, 'finding')} (${severityBreakdown(report)}) in ${plural(withFindings, 'file')} (${checked}${skipped})\n`;
}

/** One line per file `--fix` wrote, naming the fixes. */
export function fixedLines(report: CheckReport, style: Style = makeStyle(false)): string {
  return report.files
    .filter((f) => f.fixed.length)
    .map((f) => `${style.green('fixed')} ${displayPath(report.root, f.path)}: ${f.fixed.map((x) => x.title).join('; ')}\n`)
    .join('');
}

/** Every finding, then (unless quiet) what --fix did and the summary. */
export function formatText(report: CheckReport, style: Style, quiet: boolean): string {
  const blocks = report.files.flatMap((file) => file.findings.map((f) => formatFinding(report, f, style)));
  if (quiet) return blocks.join('\n');
  const ruleIds = [...new Set(allFindings(report).map((f) => f.ruleId))];
  const explain = ruleIds.length ? `For more about a rule, run \`blindspot --explain ${ruleIds[0]}\`.\n` : '';
  return [...blocks, fixedLines(report, style) + explain + formatSummary(report, style)].filter(Boolean).join('\n');
}
