// The `check` command's options: parsed with node's parseArgs, validated into CheckOptions.
import { parseArgs } from 'util';
import type { Severity } from '../engine/rule';
import { defaultSettings } from '../engine/rule';
import { UsageError, ruleIds, type CliContext } from './context';
import { SEVERITY_ORDER } from './report';

export type Format = 'text' | 'json' | 'sarif';

export interface CheckOptions {
  paths: string[];
  format: Format;
  fix: boolean;
  /** Only these rules (empty: all). */
  only: string[];
  disabled: string[];
  /** Findings below this severity are not reported. */
  minSeverity: Severity;
  maxFileBytes: number;
  quiet: boolean;
  explain?: string;
}

export const CHECK_USAGE = `Usage: blindspot check [OPTIONS] [PATH...]

Checks the Rust files under each PATH (default: the current folder). Folders are walked for *.rs,
honouring .gitignore and skipping target/, .git/ and node_modules/.

Options:
  -f, --format FORMAT     text (default), json or sarif (SARIF 2.1.0)
      --fix               apply the fixes marked safe and write the files (atomically); a file
                          with syntax errors, or that would have some after the fix, is left alone
      --rule ID           check only this rule (repeatable)
      --disable ID        do not run this rule (repeatable)
      --severity LEVEL    report only findings at or above LEVEL: hint, info, warning, error
      --max-file-size N   skip files larger than N bytes (suffixes k, m; default ${defaultSettings.maxFileBytes / 1024 / 1024}m)
  -q, --quiet             print findings only: no summary, no list of applied fixes
      --explain RULE      print a rule's documentation and exit
  -h, --help              print this help

Exit status: 0 no findings, 1 findings, 2 usage or I/O error.
`;

const SIZE = /^(\d+(?:\.\d+)?)\s*(k|m|g)?i?b?$/i;

export function parseSize(text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new UsageError(`--max-file-size: '${text}' is not a size (examples: 500000, 512k, 5m)`);
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Math.floor(Number(m[1]) * unit);
}

function parseFormat(text: string | undefined): Format {
  const format = text ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new UsageError(`--format: '${format}' is not one of text, json, sarif`);
  return format;
}

function parseSeverity(text: string | undefined): Severity {
  const severity = (text ?? 'hint') as Severity;
  if (!SEVERITY_ORDER.includes(severity)) throw new UsageError(`--severity: '${text}' is not one of ${SEVERITY_ORDER.join(', ')}`);
  return severity;
}

function checkRuleIds(ids: string[], flag: string, ctx: CliContext): void {
  for (const id of ids) {
    if (!ctx.rules.some((r) => r.id === id)) throw new UsageError(`${flag}: unknown rule '${id}'\nKnown rules: ${ruleIds(ctx)}`);
  }
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        fix: { type: 'boolean' },
        rule: { type: 'string', multiple: true },
        disable: { type: 'string', multiple: true },
        severity: { type: 'string' },
        'max-file-size': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        explain: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function parseCheckOptions(argv: string[], ctx: CliContext): CheckOptions {
  const { values, positionals } = parse(argv);
  const only = values.rule ?? [];
  const disabled = values.disable ?? [];
  const options: CheckOptions = {
    paths: positionals.length ? positionals : ['.'],
    format: parseFormat(values.format),
    fix: !!values.fix,
    only,
    disabled,
    minSeverity: parseSeverity(values.severity),
    maxFileBytes: values['max-file-size'] !== undefined ? parseSize(values['max-file-size']) : defaultSettings.maxFileBytes,
    quiet: !!values.quiet,
    explain: values.explain,
  };
  if (options.explain === undefined) {
    checkRuleIds(only, '--rule', ctx);
    checkRuleIds(disabled, '--disable', ctx);
  }
  return options;
}
