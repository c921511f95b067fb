// `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers. Rule metadata comes from
// each rule's docs (the same text as `--explain` and the hover). URIs are relative to the working
// folder (%SRCROOT%), columns are UTF-16 code units (declared in `columnKind`).
import { pathToFileURL } from 'url';
import * as path from 'path';
import type * as Sarif from 'sarif';
import type { Finding, Fix, Rule, Severity } from '../engine/rule';
import type { OffsetRange } from '../engine/text';
import { PROJECT_URL, ruleDocsMarkdown, ruleDocsText, ruleDocsUrl } from '../engine/docs';
import { allFindings, displayPath, type CheckReport } from './report';

const SRCROOT = '%SRCROOT%';

function level(severity: Severity): Sarif.ReportingConfiguration.level {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

function artifactLocation(report: CheckReport, filePath: string): Sarif.ArtifactLocation {
  const shown = displayPath(report.root, filePath);
  if (path.isAbsolute(shown)) return { uri: pathToFileURL(filePath).href };
  return { uri: shown.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}


function region(report: CheckReport, filePath: string, range: OffsetRange): Sarif.Region {
  const start = report.lines.place(filePath, range.start);
  const end = report.lines.place(filePath, range.end);
  return { startLine: start.line, startColumn: start.utf16Column, endLine: end.line, endColumn: end.utf16Column };
}

function physical(report: CheckReport, filePath: string, range: OffsetRange): Sarif.PhysicalLocation {
  return { artifactLocation: artifactLocation(report, filePath), region: region(report, filePath, range) };
}

function ruleDescriptor(rule: Rule): Sarif.ReportingDescriptor {
  return {
    id: rule.id,
    shortDescription: { text: rule.docs.summary.trim() },
    fullDescription: { text: rule.docs.whatItDoes.trim() },
    help: { text: ruleDocsText(rule), markdown: ruleDocsMarkdown(rule) },
    helpUri: ruleDocsUrl(rule.id),
    defaultConfiguration: { level: level(rule.severity) },
    properties: { tags: ['rust', 'correctness'], precision: 'high' },
  };
}

function sarifFix(report: CheckReport, fix: Fix): Sarif.Fix {
  return {
    description: { text: fix.title },
    artifactChanges: fix.edits.map((fe) => ({
      artifactLocation: artifactLocation(report, fe.path),
      replacements: fe.edits.map((e) => ({ deletedRegion: region(report, fe.path, e), insertedContent: { text: e.newText } })),
    })),
  };
}

function result(report: CheckReport, f: Finding, ruleIndex: Map<string, number>): Sarif.Result {
  const out: Sarif.Result = {
    ruleId: f.ruleId,
    level: level(f.severity),
    message: { text: [f.message, ...f.notes].join('\n') },
    locations: [{ physicalLocation: physical(report, f.path, f.range) }],
  };
  const index = ruleIndex.get(f.ruleId);
  if (index !== undefined) out.ruleIndex = index;
  if (f.related.length) {
    out.relatedLocations = f.related.map((r, id) => ({ id, message: { text: r.message }, physicalLocation: physical(report, r.path, r.range) }));
  }
  const fixes = f.fixes.filter((fix) => fix.edits.some((fe) => fe.edits.length));
  if (fixes.length) out.fixes = fixes.map((fix) => sarifFix(report, fix));
  return out;
}

export function toSarif(report: CheckReport): Sarif.Log {
  const ruleIndex = new Map(report.rules.map((r, i) => [r.id, i]));
  const run: Sarif.Run = {
    tool: {
      driver: {
        name: 'blindspot',
        version: report.version,
        semanticVersion: report.version,
        informationUri: PROJECT_URL,
        rules: report.rules.map(ruleDescriptor),
      },
    },
    originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(report.root).href.replace(/\/?$/, '/') } },
    columnKind: 'utf16CodeUnits',
    results: allFindings(report).map((f) => result(report, f, ruleIndex)),
    invocations: [
      {
        executionSuccessful: true,
        toolExecutionNotifications: report.skipped.map((s) => ({
          level: 'warning',
          message: { text: `skipped: ${s.reason}` },
          locations: [{ physicalLocation: { artifactLocation: artifactLocation(report, s.path) } }],
        })),
      },
    ],
  };
  return { $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs: [run] };
}

export function formatSarif(report: CheckReport): string {
  return JSON.stringify(toSarif(report), null, 2) + '\n';
}
