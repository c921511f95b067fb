// `blindspot check`: walk, index every file (cross-file facts), analyse (and with --fix, fix) each,
// then print in the chosen format. Bad files are reported and skipped; the run goes on.
import { Engine } from '../engine/analyze';
import { crateInfoFor } from '../engine/crate';
import { initParser } from '../engine/parser';
import { scanFiles } from '../engine/scan';
import type { Finding, RuleSetting } from '../engine/rule';
import type { Command } from './command';
import { colorsWanted, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, type CliContext } from './context';
import { CHECK_USAGE, parseCheckOptions, type CheckOptions } from './check-options';
import { explainRule } from './explain';
import { fixFile } from './fix';
import { formatJson } from './format-json';
import { formatSarif } from './format-sarif';
import { fixedLines, formatText } from './format-text';
import { isSkipped, readSource, writeAtomically, type SourceText } from './read';
import { displayPath, SEVERITY_ORDER, SourceLines, type CheckReport, type FileOutcome, type Skip } from './report';
import { makeStyle } from './style';
import { collectFiles } from './walk';

function ruleSettings(options: CheckOptions, ctx: CliContext): Record<string, RuleSetting> {
  const settings: Record<string, RuleSetting> = {};
  for (const rule of ctx.rules) {
    const off = (options.only.length > 0 && !options.only.includes(rule.id)) || options.disabled.includes(rule.id);
    if (off) settings[rule.id] = { enabled: false };
  }
  return settings;
}

function makeEngine(options: CheckOptions, ctx: CliContext): Engine {
  const engine = new Engine(ctx.rules);
  engine.updateSettings({ maxFileBytes: options.maxFileBytes, rules: ruleSettings(options, ctx) });
  engine.onRuleError = (ruleId, filePath, error) => {
    ctx.stderr(`blindspot: internal error in rule ${ruleId} on ${displayPath(ctx.cwd, filePath)} (the rule was skipped there): ${error instanceof Error ? error.message : String(error)}\n`);
  };
  return engine;
}

/** The engine words its reasons for a status line ("skipped: …"); the CLI adds its own prefix. */
function reason(text: string): string {
  return text.replace(/^skipped:\s*/, '');
}

class CheckRun {
  readonly skipped: Skip[] = [];
  readonly outcomes: FileOutcome[] = [];
  ioError = false;
  readonly lines: SourceLines;

  constructor(private readonly engine: Engine, private readonly options: CheckOptions, private readonly ctx: CliContext) {
    this.lines = new SourceLines(options.maxFileBytes);
  }

  skip(filePath: string, why: string): void {
    this.skipped.push({ path: filePath, reason: why });
    this.ctx.stderr(`blindspot: skipped ${displayPath(this.ctx.cwd, filePath)}: ${why}\n`);
  }

  read(filePath: string): SourceText | undefined {
    const read = readSource(filePath, this.options.maxFileBytes);
    if (!isSkipped(read)) return read;
    this.skip(filePath, read.skipped);
    return undefined;
  }

  /** First pass: every file's facts (struct fields, aliases) so the second pass resolves across files. */
  index(files: string[]): string[] {
    return files.filter((filePath) => {
      const source = this.read(filePath);
      if (!source) return false;
      const rejected = this.guarded(filePath, () => this.engine.indexText(filePath, source.text) ?? false);
      if (typeof rejected === 'string') this.skip(filePath, reason(rejected));
      return rejected === false;
    });
  }

  /** Without --fix: every file read and parsed once, on every core (engine/scan.ts); same findings. */
  async scan(files: string[]): Promise<void> {
    const onRuleError = (ruleId: string, filePath: string, message: string) => this.engine.onRuleError(ruleId, filePath, new Error(message));
    for await (const r of scanFiles(files, { engine: this.engine, includeText: true, onRuleError })) {
      if (r.skipped !== undefined) {
        this.skip(r.path, reason(r.skipped));
        continue;
      }
      this.lines.remember(r.path, r.text ?? '');
      this.outcomes.push({ path: r.path, findings: r.findings.filter((f) => this.wanted(f)), fixed: [] });
    }
  }

  analyze(filePath: string): void {
    const source = this.read(filePath);
    if (!source) return;
    const crate = crateInfoFor(filePath);
    const outcome = this.guarded(filePath, () => (this.options.fix ? this.fix(filePath, source, crate) : this.plainCheck(filePath, source.text, crate)));
    if (!outcome) return;
    outcome.findings = outcome.findings.filter((f) => this.wanted(f));
    this.outcomes.push(outcome);
  }

  /** An engine failure on one file skips that file; the run goes on. */
  private guarded<T>(filePath: string, work: () => T): T | undefined {
    try {
      return work();
    } catch (error) {
      this.skip(filePath, `internal error (please report it): ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private plainCheck(filePath: string, text: string, crate: ReturnType<typeof crateInfoFor>): FileOutcome | undefined {
    const result = this.engine.checkText(filePath, text, crate);
    if (result.skipped) {
      this.skip(filePath, reason(result.skipped));
      return undefined;
    }
    this.lines.remember(filePath, text);
    return { path: filePath, findings: result.findings, fixed: [] };
  }

  private fix(filePath: string, source: SourceText, crate: ReturnType<typeof crateInfoFor>): FileOutcome | undefined {
    const fixed = fixFile(this.engine, filePath, source.text, crate, (f) => this.wanted(f));
    if (fixed.skipped) {
      this.skip(filePath, reason(fixed.skipped));
      return undefined;
    }
    const shown = displayPath(this.ctx.cwd, filePath);
    if (fixed.refused) this.ctx.stderr(`blindspot: not fixed: ${shown} ${fixed.refused}\n`);
    let kept = fixed;
    if (fixed.applied.length) {
      try {
        writeAtomically(filePath, { text: fixed.text, bom: source.bom });
      } catch (error) {
        this.ioError = true;
        this.ctx.stderr(`blindspot: error: cannot write ${shown}: ${error instanceof Error ? error.message : String(error)}\n`);
        // Report what is still on disk (and let the workspace describe it again).
        kept = { text: source.text, applied: [], findings: this.engine.checkText(filePath, source.text, crate).findings };
      }
    }
    this.lines.remember(filePath, kept.text);
    return { path: filePath, findings: kept.findings, fixed: kept.applied, fixRefused: fixed.refused };
  }

  private wanted(f: Finding): boolean {
    return SEVERITY_ORDER.indexOf(f.severity) >= SEVERITY_ORDER.indexOf(this.options.minSeverity);
  }

  report(): CheckReport {
    return {
      root: this.ctx.cwd,
      files: this.outcomes,
      skipped: this.skipped,
      rules: this.ctx.rules,
      version: this.ctx.version,
      lines: this.lines,
    };
  }
}

function render(report: CheckReport, options: CheckOptions, ctx: CliContext): string {
  if (options.format === 'json') return formatJson(report);
  if (options.format === 'sarif') return formatSarif(report);
  return formatText(report, makeStyle(colorsWanted(ctx)), options.quiet);
}

export async function runCheck(options: CheckOptions, ctx: CliContext): Promise<number> {
  await initParser();
  const engine = makeEngine(options, ctx);
  const walk = collectFiles(options.paths, ctx.cwd);
  if (walk.missing.length) {
    // A mistyped path must not look like a clean run: only the error is printed, nothing is checked.
    for (const missing of walk.missing) ctx.stderr(`blindspot: error: ${missing}: no such file or folder\n`);
    return EXIT_ERROR;
  }
  const run = new CheckRun(engine, options, ctx);
  for (const s of walk.skipped) run.skip(s.path, s.reason);
  if (options.fix) for (const filePath of run.index(walk.files)) run.analyze(filePath);
  else await run.scan(walk.files);
  const report = run.report();
  ctx.stdout(render(report, options, ctx));
  if (options.format === 'sarif' && !options.quiet) ctx.stderr(fixedLines(report)); // SARIF has no place for what was written
  if (run.ioError) return EXIT_ERROR;
  return report.files.some((f) => f.findings.length) ? EXIT_FINDINGS : EXIT_CLEAN;
}

export const checkCommand: Command = {
  summary: 'check Rust files and folders (default: .)',
  usage: CHECK_USAGE,
  async run(argv, ctx) {
    const options = parseCheckOptions(argv, ctx);
    if (options.explain !== undefined) return explainRule(options.explain, ctx);
    return runCheck(options, ctx);
  },
};
