// What the editor and the CLI show from a dependency report: findings on Cargo.toml and Cargo.lock
// lines, the one-line unsafe summary for inlay hints, and the hover text. Pure: offsets, no LSP.
import * as path from 'path';
import type { Advisory, AdvisoryLevel } from './advisories';
import { LEVEL_RANK } from './advisories';
import { dependencyPositions, positionKey, type DepPosition } from './manifest';
import { lockPositions } from './lockfile';
import { pulledInBy, subtreeTotals, type AdvisoryMatch, type DepEntry, type DepsReport } from './report';
import { totalOf, type UnsafeCounts } from './unsafe-count';
import { raisedRequirement } from './versions';
import type { DirectDep } from './workspace-model';
import type { Finding, Fix, Severity } from '../rule';
import type { OffsetRange } from '../text';

export const SEVERITY_OF_LEVEL: Record<AdvisoryLevel, Severity> = {
  vulnerability: 'error',
  unsound: 'warning',
  unmaintained: 'hint',
  informational: 'hint',
};

/** `--deny` names: advisory kinds, or the severities they map to. */
const DENY_NAMES: Record<string, number> = {
  vulnerability: 4,
  error: 4,
  unsound: 3,
  warning: 3,
  unmaintained: 2,
  yanked: 2,
  informational: 1,
  notice: 1,
  hint: 1,
  any: 1,
  never: Infinity,
  none: Infinity,
};

export function denyRank(name: string): number | undefined {
  return DENY_NAMES[name.toLowerCase()];
}

/** Yanked crates rank with unmaintained ones: no known bug, but nobody should pick them. */
export const YANKED_RANK = 2;

export function worstRank(entry: DepEntry): number {
  const ranks = entry.advisories.map((m) => LEVEL_RANK[m.advisory.level]);
  if (entry.yanked) ranks.push(YANKED_RANK);
  return Math.max(0, ...ranks);
}

export function describeCounts(c: UnsafeCounts): string {
  const parts = [
    [c.blocks, 'block', 'blocks'],
    [c.fns, 'fn', 'fn'],
    [c.impls, 'impl', 'impl'],
    [c.traits, 'trait', 'traits'],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return shown.length > 0 ? shown.join(' · ') : 'none';
}

/** The inlay hint text: `unsafe: 12 blocks · 3 fn`, `unsafe: forbidden`, `unsafe: sources not on disk`. */
export function unsafeLabel(entry: DepEntry): string {
  const u = entry.unsafe;
  if (!entry.sourceDir) return 'unsafe: sources not on disk';
  if (!u) return 'unsafe: not counted yet';
  if (u.forbidsUnsafe) return 'unsafe: forbidden';
  return `unsafe: ${describeCounts(u.counts)}`;
}

function advisoryLine(adv: Advisory, match: AdvisoryMatch): string {
  const kind = adv.informational ?? 'vulnerability';
  const patched = adv.patched.length > 0 ? `patched: ${adv.patched.join(', ')}` : 'no patched version';
  const upgrade = match.firstPatched ? `; first fixed release after the locked one: ${match.firstPatched}` : '';
  return `${adv.id} (${kind}): ${adv.title} [${patched}${upgrade}]`;
}

function advisoryFinding(file: string, range: OffsetRange, entry: DepEntry, match: AdvisoryMatch, via?: DepEntry): Finding {
  const adv = match.advisory;
  const where = via ? ` (pulled in by ${via.pkg.name})` : '';
  return {
    ruleId: adv.id,
    severity: SEVERITY_OF_LEVEL[adv.level],
    path: file,
    range,
    message: `${entry.pkg.name} ${entry.pkg.version}${where}: ${advisoryLine(adv, match)}`,
    related: [],
    fixes: [],
    notes: [adv.date ? `published ${adv.date}` : '', adv.url ?? ''].filter(Boolean),
  };
}

function yankedFinding(file: string, range: OffsetRange, entry: DepEntry): Finding {
  return {
    ruleId: 'yanked-crate',
    severity: 'warning',
    path: file,
    range,
    message: `${entry.pkg.name} ${entry.pkg.version} was yanked from the registry: update the lock file (\`cargo update -p ${entry.pkg.name}\`)`,
    related: [],
    fixes: [],
    notes: [],
  };
}

function noticeFinding(file: string, report: DepsReport): Finding | undefined {
  if (report.notices.length === 0) return undefined;
  return {
    ruleId: 'deps-notice',
    severity: 'info',
    path: file,
    range: { start: 0, end: 0 },
    message: `Blindspot dependency check: ${report.notices.join('; ')}`,
    related: [],
    fixes: [],
    notes: [],
  };
}

/** Where a declared dependency's requirement is really written: the root for `workspace = true`. */
interface RequirementSite {
  file: string;
  range: OffsetRange;
  requirement: string;
}

function requirementSite(report: DepsReport, direct: DirectDep, pos: DepPosition | undefined, readRoot: () => string | undefined): RequirementSite | undefined {
  const requirement = direct.effective.requirement;
  if (!requirement || direct.effective.git || direct.effective.path) return undefined;
  if (!direct.declared.inherited) return pos?.requirementRange && { file: direct.member.file, range: pos.requirementRange, requirement };
  const rootText = readRoot();
  const rootPos = rootText === undefined ? undefined : dependencyPositions(rootText).get(`workspace.dependencies\0${direct.declared.key}`);
  return rootPos?.requirementRange && { file: report.model.rootManifest.file, range: rootPos.requirementRange, requirement };
}

function raiseFix(site: RequirementSite, name: string, version: string): Fix {
  return {
    title: `Raise ${name} to ${version} (first patched version)`,
    edits: [{ path: site.file, edits: [{ ...site.range, newText: raisedRequirement(site.requirement, version) }] }],
    preferred: true,
    // A newer version may break the build (a new major, a raised MSRV): never applied unattended.
    safe: false,
  };
}

/** The declared dependencies of one Cargo.toml, with their positions and report entries. */
export function declaredIn(report: DepsReport, file: string, text: string): { direct: DirectDep; pos?: DepPosition; entry?: DepEntry }[] {
  const positions = dependencyPositions(text);
  const target = path.resolve(file);
  const out: { direct: DirectDep; pos?: DepPosition; entry?: DepEntry }[] = [];
  for (const direct of report.model.direct) {
    const entry = direct.locked && report.byId.get(direct.locked.id);
    if (path.resolve(direct.member.file) === target) out.push({ direct, pos: positions.get(positionKey(direct.declared)), entry });
    else if (direct.declared.inherited && path.resolve(report.model.rootManifest.file) === target) {
      const pos = positions.get(`workspace.dependencies\0${direct.declared.key}`);
      if (pos && !out.some((o) => o.pos === pos)) out.push({ direct, pos, entry });
    }
  }
  return out;
}

/** Advisory and yanked findings on a Cargo.toml's dependency lines, plus one notice when something is missing. */
export function manifestFindings(report: DepsReport, file: string, text: string, readRoot: () => string | undefined): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const { direct, pos, entry } of declaredIn(report, file, text)) {
    if (!pos || !entry) continue;
    for (const match of entry.advisories) {
      const key = `${pos.keyRange.start}:${match.advisory.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const finding = advisoryFinding(file, pos.keyRange, entry, match);
      const site = match.firstPatched ? requirementSite(report, direct, pos, readRoot) : undefined;
      if (site) finding.fixes.push(raiseFix(site, entry.pkg.name, match.firstPatched!));
      findings.push(finding);
    }
    if (entry.yanked && !seen.has(`${pos.keyRange.start}:yanked`)) {
      seen.add(`${pos.keyRange.start}:yanked`);
      findings.push(yankedFinding(file, pos.keyRange, entry));
    }
  }
  const notice = noticeFinding(file, report);
  return notice ? [notice, ...findings] : findings;
}

/** Findings on each affected package's `name = …` line of Cargo.lock, transitive ones included. */
export function lockFindings(report: DepsReport, file: string, text: string): Finding[] {
  const positions = lockPositions(text);
  const findings: Finding[] = [];
  for (const entry of report.entries) {
    const range = positions.get(entry.pkg.id);
    if (!range) continue;
    const via = entry.direct || entry.advisories.length === 0 ? undefined : pulledInBy(report, entry.pkg.id);
    for (const match of entry.advisories) {
      const finding = advisoryFinding(file, range, entry, match, via);
      if (match.firstPatched) finding.notes.push(`\`cargo update -p ${entry.pkg.name}@${entry.pkg.version} --precise ${match.firstPatched}\` updates the lock file when the requirement allows it`);
      findings.push(finding);
    }
    if (entry.yanked) findings.push(yankedFinding(file, range, entry));
  }
  const notice = noticeFinding(file, report);
  return notice ? [notice, ...findings] : findings;
}

export interface Hint {
  /** Where the hint goes: the end of the dependency's line. */
  offset: number;
  label: string;
  /** The text range the hint describes, for hover. */
  range: OffsetRange;
  entry: DepEntry;
}

function lineEndAfter(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  const end = nl < 0 ? text.length : nl;
  return end > offset && text[end - 1] === '\r' ? end - 1 : end;
}

/** One hint per declared dependency of a Cargo.toml (or package of a Cargo.lock). */
export function manifestHints(report: DepsReport, file: string, text: string): Hint[] {
  const hints: Hint[] = [];
  for (const { pos, entry } of declaredIn(report, file, text)) {
    if (!pos || !entry || hints.some((h) => h.range.start === pos.keyRange.start)) continue;
    hints.push({ offset: lineEndAfter(text, pos.keyRange.end), label: hintLabel(report, entry), range: pos.keyRange, entry });
  }
  return hints;
}

export function lockHints(report: DepsReport, text: string): Hint[] {
  const positions = lockPositions(text);
  return report.entries
    .filter((e) => positions.has(e.pkg.id))
    .map((entry) => {
      const range = positions.get(entry.pkg.id)!;
      return { offset: lineEndAfter(text, range.end), label: unsafeLabel(entry), range, entry };
    });
}

function hintLabel(report: DepsReport, entry: DepEntry): string {
  const own = unsafeLabel(entry);
  const tree = subtreeTotals(report, entry.pkg.id);
  if (tree.crates <= 1 || tree.counted === 0) return own;
  const crates = tree.counted === tree.crates ? `${tree.crates} crates` : `${tree.counted} of ${tree.crates} crates`;
  return `${own} | tree: ${totalOf(tree.counts)} in ${crates}`;
}

/** Markdown for a hover on a dependency: counts per kind, top files, subtree totals, advisories. */
export function hoverMarkdown(report: DepsReport, entry: DepEntry): string {
  const { pkg, unsafe } = entry;
  const lines = [`**${pkg.name} ${pkg.version}** — ${entry.direct ? 'direct' : 'transitive'} dependency, ${pkg.source ?? 'path'}`, ''];
  if (!entry.sourceDir) lines.push('Sources not on disk (`cargo fetch` or `cargo vendor` puts them there): unsafe not counted.');
  else if (!unsafe) lines.push(`Sources in \`${entry.sourceDir}\`: not counted yet.`);
  else {
    if (unsafe.forbidsUnsafe) lines.push('The crate declares `#![forbid(unsafe_code)]`.');
    const c = unsafe.counts;
    lines.push(`| unsafe | count |`, `| --- | ---: |`, `| blocks | ${c.blocks} |`, `| fn | ${c.fns} |`, `| impl | ${c.impls} |`, `| trait | ${c.traits} |`, '');
    lines.push(`${unsafe.files} ${unsafe.files === 1 ? 'file' : 'files'} counted${unsafe.skippedFiles ? `, ${unsafe.skippedFiles} skipped (too large or unparsable)` : ''}.`);
    if (unsafe.topFiles.length > 0) lines.push('', 'Most unsafe: ' + unsafe.topFiles.map((f) => `\`${f.file}\` (${f.total})`).join(', '));
  }
  const tree = subtreeTotals(report, pkg.id);
  if (tree.crates > 1) {
    lines.push('', `**With its dependencies** (${tree.crates} crates, ${tree.counted} counted, ${tree.forbidding} forbid unsafe): ${describeCounts(tree.counts)}`);
  }
  const advisories = tree.advisories;
  if (advisories.length > 0) lines.push('', '**Advisories**');
  for (const { entry: e, match } of advisories) {
    const a = match.advisory;
    const patched = a.patched.length > 0 ? a.patched.join(', ') : 'none';
    const who = e === entry ? '' : ` (in ${e.pkg.name} ${e.pkg.version})`;
    lines.push(`- [${a.id}](${a.url}) ${a.informational ?? 'vulnerability'}${who}: ${a.title} — ${a.date ?? 'undated'}; patched: ${patched}`);
  }
  if (entry.yanked) lines.push('', `${pkg.name} ${pkg.version} was yanked from the registry.`);
  return lines.join('\n');
}
