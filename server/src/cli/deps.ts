// `blindspot deps [PATH]`: every locked dependency with its unsafe counts and the advisories of a
// local RustSec database, as a table, JSON or SARIF. No build, no network.
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { parseArgs } from 'util';
import type * as Sarif from 'sarif';
import { AdvisoryDb } from '../engine/deps/advisories';
import { analyzeDeps, type DepEntry, type DepsReport } from '../engine/deps/report';
import { loadWorkspace, manifestFileFor, type DirectDep } from '../engine/deps/workspace-model';
import { defaultCargoHome, DEBIAN_REGISTRY } from '../engine/deps/sources';
import { describeCounts, denyRank, lockFindings, manifestFindings, worstRank } from '../engine/deps/views';
import { totalOf } from '../engine/deps/unsafe-count';
import { initParser } from '../engine/parser';
import type { Finding, Severity } from '../engine/rule';
import { LineIndex } from '../engine/text';
import type { Command } from './command';
import { displayPath } from './report';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError, type CliContext } from './context';

export const DEPS_USAGE = `Usage: blindspot deps [OPTIONS] [PATH]

Lists the dependencies of the crate or workspace at PATH (a folder, its Cargo.toml or its
Cargo.lock; default: .) as Cargo.lock resolved them, with the unsafe code in each (counted from
sources already on disk: vendor/, $CARGO_HOME/registry/src, git checkouts, path crates, directory
registries such as ${DEBIAN_REGISTRY}) and the advisories of a local RustSec advisory-db
clone. Never builds, never touches the network.

Options:
  -f, --format FORMAT     text (default), json or sarif (SARIF 2.1.0)
      --deny LEVEL        exit 1 when an advisory at or above LEVEL is present: vulnerability
                          (default), unsound, unmaintained (also yanked crates), informational,
                          or never
      --advisory-db DIR   the advisory database (default: $CARGO_HOME/advisory-db)
      --registry DIR      a directory registry of NAME-VERSION/ folders (repeatable;
                          default ${DEBIAN_REGISTRY})
      --no-unsafe         do not count unsafe code
  -h, --help              print this help

Without a Cargo.lock the direct dependencies are listed as declared, not locked: advisories and
transitive dependencies need the lock file (\`cargo generate-lockfile\` writes it without a build).

Exit status: 0 nothing denied, 1 an advisory at or above --deny, 2 usage or input error
(a Cargo.toml or Cargo.lock that does not parse; a PATH, --advisory-db or --registry not there).
`;

type Format = 'text' | 'json' | 'sarif';

interface DepsCliOptions {
  target: string;
  format: Format;
  deny: number;
  advisoryDb?: string;
  registries?: string[];
  countUnsafe: boolean;
  help: boolean;
}

function parseOptions(argv: string[], ctx: CliContext): DepsCliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        deny: { type: 'string' },
        'advisory-db': { type: 'string' },
        registry: { type: 'string', multiple: true },
        'no-unsafe': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError('deps takes one PATH');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new UsageError(`--format: '${format}' is not one of text, json, sarif`);
  const deny = denyRank(values.deny ?? 'vulnerability');
  if (deny === undefined) throw new UsageError(`--deny: '${values.deny}' is not one of vulnerability, unsound, unmaintained, informational, never`);
  return {
    target: path.resolve(ctx.cwd, positionals[0] ?? '.'),
    format,
    deny,
    advisoryDb: values['advisory-db'] && path.resolve(ctx.cwd, values['advisory-db']),
    registries: values.registry?.map((r) => path.resolve(ctx.cwd, r)),
    countUnsafe: !values['no-unsafe'],
    help: !!values.help,
  };
}

function unsafeCell(e: DepEntry): string {
  if (!e.unsafe) return e.sourceDir ? 'not counted' : 'no sources';
  if (e.unsafe.forbidsUnsafe) return 'forbidden';
  return describeCounts(e.unsafe.counts);
}

function advisoryCell(e: DepEntry): string {
  const ids = e.advisories.map((m) => `${m.advisory.id} (${m.advisory.informational ?? 'vulnerability'})`);
  if (e.yanked) ids.push('yanked');
  return ids.join(', ') || '-';
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

/** What an unlocked dependency asks for: its requirement, or where it comes from. */
function requested(d: DirectDep): string {
  const e = d.effective;
  if (e.path) return `path ${e.path}`;
  if (e.git) return `git ${e.git}`;
  return `requires ${e.requirement ?? '*'}`;
}

function formatText(report: DepsReport): string {
  const rows = [['crate', 'version', 'kind', 'unsafe', 'advisories']];
  for (const e of report.entries) rows.push([e.pkg.name, e.pkg.version, e.direct ? 'direct' : 'transitive', unsafeCell(e), advisoryCell(e)]);
  for (const d of report.unlocked) rows.push([d.effective.package, `unknown (${requested(d)})`, 'direct', 'not locked', 'not checked']);
  const counted = report.entries.filter((e) => e.unsafe);
  const unsafeTotal = counted.reduce((n, e) => n + totalOf(e.unsafe!.counts), 0);
  const advisories = report.entries.reduce((n, e) => n + e.advisories.length, 0);
  const total = report.entries.length + report.unlocked.length;
  const direct = report.entries.filter((e) => e.direct).length + report.unlocked.length;
  const unlocked = report.unlocked.length > 0 ? `, ${report.unlocked.length} not locked` : '';
  const summary = `${total} dependencies (${direct} direct${unlocked}), ${counted.length} counted, ${unsafeTotal} unsafe items, ${advisories} advisories\n`;
  return (total > 0 ? table(rows) : '') + summary;
}

function toJson(report: DepsReport): object {
  return {
    root: report.model.root,
    lockFile: report.model.lock ? report.model.lockFile : null,
    advisoryDb: report.advisoryDbDir ?? null,
    notices: report.notices,
    dependencies: [...report.entries.map((e) => lockedJson(e)), ...report.unlocked.map((d) => unlockedJson(d))],
  };
}

/** A dependency Cargo.toml declares but no Cargo.lock resolved: no version, nothing checked. */
function unlockedJson(d: DirectDep): object {
  const e = d.effective;
  return { name: e.package, version: null, requirement: e.requirement ?? null, locked: false, source: null, kind: e.path ? 'path' : e.git ? 'git' : 'registry', direct: true, sourceDir: null, unsafe: null, yanked: null, advisories: [] };
}

function lockedJson(e: DepEntry): object {
  return {
    name: e.pkg.name,
    version: e.pkg.version,
    locked: true,
    source: e.pkg.source ?? null,
    kind: e.pkg.kind,
    direct: e.direct,
    sourceDir: e.sourceDir ?? null,
    unsafe: e.unsafe ? { ...e.unsafe.counts, forbidsUnsafe: e.unsafe.forbidsUnsafe, files: e.unsafe.files, skippedFiles: e.unsafe.skippedFiles, topFiles: e.unsafe.topFiles } : null,
    yanked: e.yanked ?? null,
    advisories: e.advisories.map(({ advisory: a, firstPatched }) => ({
      id: a.id,
      kind: a.informational ?? 'vulnerability',
      title: a.title,
      date: a.date ?? null,
      url: a.url ?? null,
      aliases: a.aliases,
      patched: a.patched,
      unaffected: a.unaffected,
      firstPatched: firstPatched ?? null,
    })),
  };
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Direct dependencies are reported on their Cargo.toml line (with the fix), the rest on Cargo.lock. */
function findingsForSarif(report: DepsReport): { findings: Finding[]; texts: Map<string, string> } {
  const texts = new Map<string, string>();
  const findings: Finding[] = [];
  const rootFile = report.model.rootManifest.file;
  const rootText = () => readText(rootFile);
  const root = rootText();
  // Fixes for `workspace = true` dependencies edit the root manifest, even when it is no package.
  if (root !== undefined) texts.set(rootFile, root);
  for (const member of report.model.members) {
    const text = readText(member.file);
    if (text === undefined) continue;
    texts.set(member.file, text);
    findings.push(...manifestFindings({ ...report, notices: [] }, member.file, text, rootText));
  }
  const lockText = report.model.lock ? readText(report.model.lockFile) : undefined;
  if (lockText !== undefined) {
    texts.set(report.model.lockFile, lockText);
    const transitive = { ...report, notices: [], entries: report.entries.filter((e) => !e.direct) };
    findings.push(...lockFindings(transitive, report.model.lockFile, lockText));
  }
  return { findings, texts };
}

function sarifLevel(severity: Severity): Sarif.Result.level {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

function toSarif(report: DepsReport, version: string): Sarif.Log {
  const { findings, texts } = findingsForSarif(report);
  const root = report.model.root;
  const region = (file: string, offset: number) => {
    const index = new LineIndex(texts.get(file) ?? '');
    const p = index.positionAt(offset);
    return { line: p.line + 1, column: p.character + 1 };
  };
  const location = (file: string) => ({ uri: path.relative(root, file).split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' });
  const ruleIds = [...new Set(findings.map((f) => f.ruleId))];
  const advisoryById = new Map(report.entries.flatMap((e) => e.advisories.map((m) => [m.advisory.id, m.advisory] as const)));
  const rules: Sarif.ReportingDescriptor[] = ruleIds.map((id) => {
    const a = advisoryById.get(id);
    return a
      ? { id, shortDescription: { text: a.title }, helpUri: a.url, properties: { tags: ['dependency', a.informational ?? 'vulnerability'] } }
      : { id, shortDescription: { text: 'A yanked crate version is locked' }, properties: { tags: ['dependency'] } };
  });
  const results: Sarif.Result[] = findings.map((f) => {
    const start = region(f.path, f.range.start);
    const end = region(f.path, f.range.end);
    const result: Sarif.Result = {
      ruleId: f.ruleId,
      ruleIndex: ruleIds.indexOf(f.ruleId),
      level: sarifLevel(f.severity),
      message: { text: [f.message, ...f.notes].join('\n') },
      locations: [{ physicalLocation: { artifactLocation: location(f.path), region: { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column } } }],
    };
    const fixes = f.fixes.filter((fix) => fix.edits.every((fe) => texts.has(fe.path)));
    if (fixes.length > 0) {
      result.fixes = fixes.map((fix) => ({
        description: { text: fix.title },
        artifactChanges: fix.edits.map((fe) => ({
          artifactLocation: location(fe.path),
          replacements: fe.edits.map((e) => {
            const s = region(fe.path, e.start);
            const t = region(fe.path, e.end);
            return { deletedRegion: { startLine: s.line, startColumn: s.column, endLine: t.line, endColumn: t.column }, insertedContent: { text: e.newText } };
          }),
        })),
      }));
    }
    return result;
  });
  const run: Sarif.Run = {
    tool: { driver: { name: 'blindspot-deps', version, semanticVersion: version, rules } },
    originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root).href.replace(/\/?$/, '/') } },
    columnKind: 'utf16CodeUnits',
    results,
    invocations: [{ executionSuccessful: true, toolExecutionNotifications: report.notices.map((text) => ({ level: 'note', message: { text } })) }],
  };
  return { $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs: [run] };
}

/** `crates/app/Cargo.toml is not valid TOML: …`: the model's message names the file by its base name only. */
function malformedMessage(shown: string, m: { file: string; message: string }): string {
  const base = path.basename(m.file);
  return m.message.startsWith(`${base} `) ? shown + m.message.slice(base.length) : `${shown}: ${m.message}`;
}

function isFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Input a CI gate must not pass over: a missing manifest, one that does not parse (or a member's, or
 * the lock file's), and folders named on the command line that are not there. The default advisory
 * database missing is only a note: not everyone has cloned it.
 */
function inputErrors(options: DepsCliOptions, ctx: CliContext): string[] {
  const shown = (file: string) => displayPath(ctx.cwd, file);
  const errors: string[] = [];
  const manifest = manifestFileFor(options.target);
  const isOtherFile = fs.existsSync(options.target) && !isFolder(options.target) && !/^Cargo\.(toml|lock)$/.test(path.basename(options.target));
  if (isOtherFile) errors.push(`${shown(options.target)} is not a folder, a Cargo.toml or a Cargo.lock`);
  else if (!fs.existsSync(manifest)) errors.push(`no Cargo.toml at ${shown(manifest)}`);
  else for (const m of loadWorkspace(options.target).malformed) errors.push(malformedMessage(shown(m.file), m));
  if (options.advisoryDb !== undefined) {
    if (!isFolder(options.advisoryDb)) errors.push(`--advisory-db: no such folder: ${shown(options.advisoryDb)}`);
    else if (!AdvisoryDb.open(options.advisoryDb)) errors.push(`--advisory-db: ${shown(options.advisoryDb)} is not a RustSec advisory database (it has no crates/ folder)`);
  }
  for (const registry of options.registries ?? []) if (!isFolder(registry)) errors.push(`--registry: no such folder: ${shown(registry)}`);
  return errors;
}

export async function runDeps(options: DepsCliOptions, ctx: CliContext): Promise<number> {
  const errors = inputErrors(options, ctx);
  if (errors.length > 0) {
    for (const error of errors) ctx.stderr(`blindspot: error: ${error}\n`);
    return EXIT_ERROR;
  }
  if (options.countUnsafe) await initParser();
  const cargoHome = defaultCargoHome(ctx.env as NodeJS.ProcessEnv);
  const report = await analyzeDeps(options.target, { cargoHome, advisoryDb: options.advisoryDb, directoryRegistries: options.registries, countUnsafe: options.countUnsafe });
  if (options.format === 'json') ctx.stdout(JSON.stringify(toJson(report), null, 2) + '\n');
  else if (options.format === 'sarif') ctx.stdout(JSON.stringify(toSarif(report, ctx.version), null, 2) + '\n');
  else ctx.stdout(formatText(report));
  if (options.format === 'text') for (const notice of report.notices) ctx.stderr(`blindspot: note: ${notice}\n`);
  return report.entries.some((e) => worstRank(e) >= options.deny) ? EXIT_FINDINGS : EXIT_CLEAN;
}

export const depsCommand: Command = {
  summary: 'dependencies: unsafe counts and RustSec advisories, from Cargo.lock (no build, no network)',
  usage: DEPS_USAGE,
  async run(argv, ctx) {
    const options = parseOptions(argv, ctx);
    if (options.help) {
      ctx.stdout(DEPS_USAGE);
      return EXIT_CLEAN;
    }
    return runDeps(options, ctx);
  },
};
