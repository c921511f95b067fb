// The CLI end to end: output formats, exit codes, file walking, bad files, --fix, --explain.
// Most tests call the CLI in-process with synthetic rules (so they do not depend on which real rules
// exist); a few spawn the bundled dist/cli.js the way users run it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv';
import type { Rule, RuleContext } from '../server/src/engine/rule';
import { rules as registeredRules } from '../server/src/rules';
import { runCli } from '../server/src/cli/run';
import { Engine } from '../server/src/engine/analyze';
import type { CliContext } from '../server/src/cli/context';
import type { JsonOutput } from '../server/src/cli/format-json';

const REPO = path.join(__dirname, '..');
const CLI = path.join(REPO, 'dist', 'cli.js');

/** Flags every `marker()` call; its safe fix renames it. Related info points at the enclosing `fn`. */
const markerRule: Rule = {
  id: 'test-marker',
  severity: 'warning',
  docs: {
    summary: 'Flags marker() calls (a test rule).',
    whatItDoes: 'Finds calls to `marker()`.',
    whyBad: 'Markers are left-overs.',
    example: 'fn f() { marker(); }',
    useInstead: 'fn f() { unmarked(); }',
  },
  checkFile(ctx: RuleContext) {
    const { path: filePath } = ctx.file;
    const text = String(ctx.file.text);
    for (const m of text.matchAll(/marker\(\)/g)) {
      const start = m.index!;
      const fnAt = text.lastIndexOf('fn ', start);
      ctx.report({
        range: { start, end: start + m[0].length },
        message: '`marker()` is left in',
        related: fnAt >= 0 ? [{ path: filePath, range: { start: fnAt, end: fnAt + 2 }, message: 'in this function' }] : [],
        notes: ['markers are for debugging'],
        fixes: [{ title: 'Replace with `unmarked()`', safe: true, preferred: true, edits: [{ path: filePath, edits: [{ start, end: start + m[0].length, newText: 'unmarked()' }] }] }],
      });
    }
  },
};

/** A rule whose "safe" fix breaks the syntax: --fix must refuse it. */
const breakerRule: Rule = {
  id: 'test-breaker',
  severity: 'error',
  docs: { summary: 'Flags breakme (a test rule).', whatItDoes: 'Finds `breakme`.', whyBad: 'Test only.', example: 'breakme', useInstead: 'nothing' },
  checkFile(ctx: RuleContext) {
    const at = ctx.file.text.indexOf('breakme');
    if (at < 0) return;
    ctx.report({
      range: { start: at, end: at + 7 },
      message: '`breakme` found',
      fixes: [{ title: 'Break the file', safe: true, edits: [{ path: ctx.file.path, edits: [{ start: at, end: at, newText: '{ ' }] }] }],
    });
  },
};

/** Info-level, to test --severity. */
const hintRule: Rule = {
  id: 'test-hint',
  severity: 'info',
  docs: { summary: 'Flags `hinted` (a test rule).', whatItDoes: 'Finds `hinted`.', whyBad: 'Test only.', example: 'hinted', useInstead: 'nothing' },
  checkFile(ctx: RuleContext) {
    const at = ctx.file.text.indexOf('hinted');
    if (at >= 0) ctx.report({ range: { start: at, end: at + 6 }, message: '`hinted` found' });
  },
};

const testRules = [breakerRule, hintRule, markerRule];

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(cwd: string, args: string[], extra: Partial<CliContext> = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    cwd,
    env: {},
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdoutIsTTY: false,
    rules: testRules,
    version: '0.0.0-test',
    ...extra,
  };
  const code = await runCli(args, ctx);
  return { code, stdout, stderr };
}

/** A fresh folder with the given files (string = UTF-8 text, Buffer = raw bytes). */
function tempTree(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-cli-'));
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return root;
}

const MARKED = 'fn main() {\n    marker();\n}\n';
const CLEAN = 'fn main() {\n    unmarked();\n}\n';

function parseJson(r: RunResult): JsonOutput {
  return JSON.parse(r.stdout) as JsonOutput;
}

before(() => {
  if (!fs.existsSync(CLI)) spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
});

test('text: rustc-style header, location, source line, carets, related note, help; exit 1', async () => {
  const root = tempTree({ 'src/lib.rs': 'fn main() {\n    let s = "héllo"; marker();\n}\n' });
  const r = await cli(root, ['check']);
  assert.equal(r.code, 1);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'warning[test-marker]: `marker()` is left in');
  // Column counts characters: `é` is one.
  assert.equal(lines[1], ' --> src/lib.rs:2:22');
  assert.equal(lines[3], '2 |     let s = "héllo"; marker();');
  assert.equal(lines[4], '  |                      ^^^^^^^^');
  assert.ok(r.stdout.includes('note: in this function\n --> src/lib.rs:1:1'), r.stdout);
  assert.ok(r.stdout.includes('  = note: markers are for debugging'));
  assert.ok(r.stdout.includes('  = help: Replace with `unmarked()` (safe: `--fix` applies it)'));
  assert.match(r.stdout, /blindspot: 1 finding \(1 warning\) in 1 file \(1 file checked\)\n$/);
  assert.ok(!r.stdout.includes('\u001b['), 'no colors when not a terminal');
});

test('text: tabs are shown as spaces and the carets stay aligned', async () => {
  const root = tempTree({ 'a.rs': 'fn main() {\n\tmarker();\n}\n' });
  const r = await cli(root, ['check', 'a.rs']);
  assert.ok(r.stdout.includes('2 |     marker();\n  |     ^^^^^^^^\n'), r.stdout);
});

test('colors only on a terminal and without NO_COLOR', async () => {
  const root = tempTree({ 'a.rs': MARKED });
  assert.ok((await cli(root, ['check'], { stdoutIsTTY: true })).stdout.includes('\u001b['));
  assert.ok(!(await cli(root, ['check'], { stdoutIsTTY: true, env: { NO_COLOR: '1' } })).stdout.includes('\u001b['));
});

test('clean code: exit 0 and a summary', async () => {
  const root = tempTree({ 'a.rs': CLEAN });
  const r = await cli(root, ['check']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'blindspot: no findings (1 file checked)\n');
});

test('json: the documented shape, 1-based positions, fixes as line/column edits', async () => {
  const root = tempTree({ 'src/a.rs': MARKED, 'src/b.rs': CLEAN });
  const r = await cli(root, ['check', '--format', 'json']);
  assert.equal(r.code, 1);
  const out = parseJson(r);
  assert.equal(out.schemaVersion, 1);
  assert.deepEqual(out.tool, { name: 'blindspot', version: '0.0.0-test' });
  assert.deepEqual(out.summary, { filesChecked: 2, filesSkipped: 0, findings: 1, fixesApplied: 0 });
  const [f] = out.findings;
  assert.equal(f.ruleId, 'test-marker');
  assert.equal(f.severity, 'warning');
  assert.equal(f.path, 'src/a.rs');
  assert.deepEqual([f.start, f.end], [{ line: 2, column: 5 }, { line: 2, column: 13 }]);
  assert.deepEqual(f.related, [{ path: 'src/a.rs', start: { line: 1, column: 1 }, end: { line: 1, column: 3 }, message: 'in this function' }]);
  assert.deepEqual(f.notes, ['markers are for debugging']);
  assert.deepEqual(f.fixes, [
    { title: 'Replace with `unmarked()`', preferred: true, safe: true, edits: [{ path: 'src/a.rs', start: { line: 2, column: 5 }, end: { line: 2, column: 13 }, newText: 'unmarked()' }] },
  ]);
});

function sarifValidator() {
  const schema = JSON.parse(fs.readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  const ajv = new Ajv({ schemaId: 'id', allErrors: true, logger: false });
  ajv.addMetaSchema(JSON.parse(fs.readFileSync(require.resolve('ajv/lib/refs/json-schema-draft-04.json'), 'utf8')));
  return ajv.compile(schema);
}

test('sarif: valid SARIF 2.1.0 with rule metadata, relative URIs and regions', async () => {
  const root = tempTree({ 'src/dir with space/a.rs': MARKED, 'bin.rs': Buffer.from([0x66, 0x00, 0x6e]) });
  const r = await cli(root, ['check', '--format', 'sarif']);
  assert.equal(r.code, 1);
  const log = JSON.parse(r.stdout);
  const validate = sarifValidator();
  assert.ok(!validate({ version: '2.1.0' }), 'the validator rejects a log without runs');
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  assert.equal(log.version, '2.1.0');
  const run = log.runs[0];
  const ids = run.tool.driver.rules.map((d: { id: string }) => d.id);
  assert.deepEqual(ids, testRules.map((t) => t.id));
  const marker = run.tool.driver.rules[ids.indexOf('test-marker')];
  assert.equal(marker.shortDescription.text, markerRule.docs.summary);
  assert.equal(marker.fullDescription.text, markerRule.docs.whatItDoes);
  assert.match(marker.help.text, /What it does\n-+\nFinds calls/);
  assert.match(marker.help.markdown, /### Example\n\n```rust\nfn f\(\) \{ marker\(\); \}\n```/);
  assert.equal(marker.defaultConfiguration.level, 'warning');
  assert.match(marker.helpUri, /^https:\/\/\S+#test-marker$/);
  const [result] = run.results;
  assert.equal(result.ruleId, 'test-marker');
  assert.equal(result.ruleIndex, ids.indexOf('test-marker'));
  assert.equal(result.level, 'warning');
  const loc = result.locations[0].physicalLocation;
  assert.deepEqual(loc.artifactLocation, { uri: 'src/dir%20with%20space/a.rs', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(loc.region, { startLine: 2, startColumn: 5, endLine: 2, endColumn: 13 });
  assert.equal(result.relatedLocations[0].message.text, 'in this function');
  assert.ok(run.originalUriBaseIds['%SRCROOT%'].uri.endsWith('/'));
  assert.equal(run.invocations[0].toolExecutionNotifications.length, 1, 'the binary file is reported as skipped');
});

test('sarif: valid with no findings and no rules', async () => {
  const root = tempTree({ 'a.rs': CLEAN });
  const r = await cli(root, ['check', '--format', 'sarif'], { rules: [] });
  assert.equal(r.code, 0);
  const validate = sarifValidator();
  assert.ok(validate(JSON.parse(r.stdout)), JSON.stringify(validate.errors));
});

test('walk: honours .gitignore (nested, negated) and never enters target/, .git/, node_modules/', async () => {
  const root = tempTree({
    '.gitignore': 'generated/\n*.gen.rs\n',
    'src/lib.rs': MARKED,
    'src/out.gen.rs': MARKED,
    'generated/x.rs': MARKED,
    'target/debug/build.rs': MARKED,
    '.git/hooks/x.rs': MARKED,
    'node_modules/pkg/x.rs': MARKED,
    'sub/.gitignore': 'local.rs\n!keep.gen.rs\n',
    'sub/local.rs': MARKED,
    'sub/keep.gen.rs': MARKED,
    'sub/other.rs': MARKED,
    'notes.txt': 'marker()',
  });
  const out = parseJson(await cli(root, ['check', '--format', 'json']));
  assert.deepEqual(out.findings.map((f) => f.path).sort(), ['src/lib.rs', 'sub/keep.gen.rs', 'sub/other.rs']);
  // A file named on the command line is checked whatever .gitignore says.
  const named = parseJson(await cli(root, ['check', '--format', 'json', 'generated/x.rs']));
  assert.deepEqual(named.findings.map((f) => f.path), ['generated/x.rs']);
});

test('walk: symlinked folders are not followed (no loops), symlinked files are read', async () => {
  const root = tempTree({ 'src/a.rs': MARKED, 'elsewhere/b.rs': MARKED });
  fs.symlinkSync(path.join(root, 'src'), path.join(root, 'src', 'loop'));
  fs.symlinkSync(path.join(root, 'elsewhere', 'b.rs'), path.join(root, 'src', 'linked.rs'));
  const out = parseJson(await cli(root, ['check', '--format', 'json', 'src']));
  assert.deepEqual(out.findings.map((f) => f.path).sort(), ['src/a.rs', 'src/linked.rs']);
});

test('bad files (binary, invalid UTF-8, too large) are reported and skipped; the run goes on', async () => {
  const root = tempTree({
    'a_binary.rs': Buffer.from([0x66, 0x6e, 0x00, 0x01, 0x02]),
    'b_latin1.rs': Buffer.from('fn caf\xe9() { marker(); }\n', 'latin1'),
    'c_big.rs': `// ${'x'.repeat(5000)}\nfn f() { marker(); }\n`,
    'd_good.rs': MARKED,
  });
  const r = await cli(root, ['check', '--format', 'json', '--max-file-size', '2k']);
  assert.equal(r.code, 1, r.stderr);
  const out = parseJson(r);
  assert.deepEqual(out.findings.map((f) => f.path), ['d_good.rs']);
  const reasons = Object.fromEntries(out.skipped.map((s) => [s.path, s.reason]));
  assert.match(reasons['a_binary.rs'], /binary/);
  assert.match(reasons['b_latin1.rs'], /not valid UTF-8/);
  assert.match(reasons['c_big.rs'], /size limit/);
  assert.match(r.stderr, /skipped a_binary\.rs: binary file/);
  assert.match(r.stderr, /skipped b_latin1\.rs: not valid UTF-8/);
});

test('an engine failure on one file skips that file, not the run', async () => {
  const root = tempTree({ 'a.rs': MARKED, 'b.rs': MARKED });
  // Rule errors are caught by the engine itself; anything else failing on a file is caught by the CLI.
  const realCheck = Engine.prototype.checkText;
  Engine.prototype.checkText = function (this: Engine, ...args: Parameters<Engine['checkText']>) {
    if (args[0].endsWith('a.rs')) throw new Error('boom');
    return realCheck.apply(this, args);
  };
  try {
    const r = await cli(root, ['check', '--format', 'json']);
    assert.match(r.stderr, /skipped a\.rs: internal error \(please report it\): boom/);
    assert.deepEqual(parseJson(r).findings.map((f) => f.path), ['b.rs']);
  } finally {
    Engine.prototype.checkText = realCheck;
  }
});

test('an unreadable file is skipped with a clear reason', { skip: process.getuid?.() === 0 ? 'root can read anything' : false }, async () => {
  const root = tempTree({ 'a.rs': MARKED, 'b.rs': MARKED });
  fs.chmodSync(path.join(root, 'a.rs'), 0o000);
  const r = await cli(root, ['check', '--format', 'json']);
  assert.match(r.stderr, /skipped a\.rs: cannot read: permission denied/);
  assert.deepEqual(parseJson(r).findings.map((f) => f.path), ['b.rs']);
});

test('a UTF-8 BOM is stripped for analysis (columns unshifted) and kept by --fix', async () => {
  const root = tempTree({ 'a.rs': '\ufeff' + MARKED });
  const out = parseJson(await cli(root, ['check', '--format', 'json']));
  assert.deepEqual(out.findings[0].start, { line: 2, column: 5 });
  await cli(root, ['check', '--fix']);
  assert.equal(fs.readFileSync(path.join(root, 'a.rs'), 'utf8'), '\ufeff' + CLEAN);
});

test('exit 2 on usage and I/O errors, with a message on stderr', async () => {
  const root = tempTree({ 'a.rs': MARKED });
  const cases: [string[], RegExp][] = [
    [[], /Usage: blindspot COMMAND/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['check', '--format', 'xml'], /--format: 'xml' is not one of text, json, sarif/],
    [['check', '--bogus'], /Unknown option '--bogus'/],
    [['check', '--rule', 'nope'], /--rule: unknown rule 'nope'\nKnown rules: test-breaker, test-hint, test-marker/],
    [['check', '--severity', 'loud'], /--severity: 'loud'/],
    [['check', '--max-file-size', 'big'], /--max-file-size: 'big' is not a size/],
    [['check', 'missing.rs'], /missing\.rs: no such file or folder/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(root, args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('a path that does not exist: only the error, nothing checked, nothing on stdout', async () => {
  const root = tempTree({ 'a.rs': MARKED });
  for (const format of ['text', 'json', 'sarif']) {
    for (const paths of [['/nonexistent'], ['a.rs', 'missing.rs']]) {
      const r = await cli(root, ['check', '--format', format, '--fix', ...paths]);
      assert.equal(r.code, 2, paths.join(' '));
      assert.equal(r.stdout, '', `${format} ${paths.join(' ')}`);
      assert.match(r.stderr, /^blindspot: error: \S*missing\.rs: no such file or folder\n$|^blindspot: error: \/nonexistent: no such file or folder\n$/);
    }
  }
  assert.equal(fs.readFileSync(path.join(root, 'a.rs'), 'utf8'), MARKED, '--fix wrote nothing');
});

test('--help for a command prints its usage and exits 0', async () => {
  const root = tempTree({});
  for (const args of [['check', '--help'], ['check', '-h'], ['--format', 'json', '--help']]) {
    const r = await cli(root, args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, /^Usage: blindspot check/, args.join(' '));
  }
  assert.match((await cli(root, ['--help'])).stdout, /Commands:\n {2}check/);
});

test('--rule, --disable and --severity filter findings', async () => {
  const root = tempTree({ 'a.rs': 'fn main() {\n    marker();\n    let hinted = 1;\n}\n' });
  const ids = async (...args: string[]) => parseJson(await cli(root, ['check', '--format', 'json', ...args])).findings.map((f) => f.ruleId);
  assert.deepEqual(await ids(), ['test-marker', 'test-hint']);
  assert.deepEqual(await ids('--rule', 'test-hint'), ['test-hint']);
  assert.deepEqual(await ids('--disable', 'test-hint'), ['test-marker']);
  assert.deepEqual(await ids('--severity', 'warning'), ['test-marker']);
  const r = await cli(root, ['check', '--severity', 'error']);
  assert.equal(r.code, 0, 'nothing at or above error');
});

test('--quiet prints findings only', async () => {
  const root = tempTree({ 'a.rs': MARKED });
  const r = await cli(root, ['check', '-q']);
  assert.equal(r.code, 1);
  assert.ok(r.stdout.startsWith('warning[test-marker]'));
  assert.ok(!r.stdout.includes('blindspot:'));
});

test('the CLI never writes without --fix', async () => {
  const root = tempTree({ 'a.rs': MARKED });
  const before = fs.statSync(path.join(root, 'a.rs')).mtimeMs;
  await cli(root, ['check']);
  await cli(root, ['check', '--format', 'sarif']);
  assert.equal(fs.readFileSync(path.join(root, 'a.rs'), 'utf8'), MARKED);
  assert.equal(fs.statSync(path.join(root, 'a.rs')).mtimeMs, before);
});

test('--fix applies safe fixes over rounds, writes atomically, keeps the mode and reports', async () => {
  const twice = 'fn main() {\n    marker(); marker();\n}\nfn other() { marker(); }\n';
  const root = tempTree({ 'a.rs': twice, 'b.rs': CLEAN });
  fs.chmodSync(path.join(root, 'a.rs'), 0o640);
  const bBefore = fs.statSync(path.join(root, 'b.rs')).mtimeMs;
  const r = await cli(root, ['check', '--fix']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(fs.readFileSync(path.join(root, 'a.rs'), 'utf8'), twice.replace(/marker\(\)/g, 'unmarked()'));
  assert.equal(fs.statSync(path.join(root, 'a.rs')).mode & 0o777, 0o640);
  assert.equal(fs.statSync(path.join(root, 'b.rs')).mtimeMs, bBefore, 'a file without fixes is not rewritten');
  assert.deepEqual(fs.readdirSync(root).sort(), ['a.rs', 'b.rs'], 'no temporary file left behind');
  assert.match(r.stdout, /fixed a\.rs: Replace with `unmarked\(\)`; Replace with `unmarked\(\)`; Replace with `unmarked\(\)`/);
  assert.match(r.stdout, /fixed 3 findings in 1 file; no findings/);
  const json = parseJson(await cli(tempTree({ 'a.rs': MARKED }), ['check', '--fix', '--format', 'json']));
  assert.deepEqual(json.fixed, [{ path: 'a.rs', fixes: ['Replace with `unmarked()`'] }]);
  assert.equal(json.summary.fixesApplied, 1);
  const sarif = await cli(tempTree({ 'a.rs': MARKED }), ['check', '--fix', '--format', 'sarif']);
  assert.equal(JSON.parse(sarif.stdout).runs[0].results.length, 0);
  assert.match(sarif.stderr, /fixed a\.rs: Replace with `unmarked\(\)`/);
});

test('--fix applies only the fixes of reported findings (--severity filters them too)', async () => {
  const root = tempTree({ 'a.rs': MARKED });
  const r = await cli(root, ['check', '--fix', '--severity', 'error']);
  assert.equal(fs.readFileSync(path.join(root, 'a.rs'), 'utf8'), MARKED, 'the warning is not reported, so not fixed either');
  assert.doesNotMatch(r.stdout, /fixed/);
  assert.equal(r.code, 0);
  await cli(root, ['check', '--fix', '--severity', 'warning']);
  assert.equal(fs.readFileSync(path.join(root, 'a.rs'), 'utf8'), CLEAN);
});

test('--fix re-runs until no safe fix is left (a fix may expose another finding)', async () => {
  const chainRule: Rule = {
    ...hintRule,
    id: 'test-chain',
    checkFile(ctx: RuleContext) {
      for (const m of String(ctx.file.text).matchAll(/twice\(\)/g)) {
        const range = { start: m.index!, end: m.index! + m[0].length };
        ctx.report({ range, message: 'twice', fixes: [{ title: 'Mark it', safe: true, edits: [{ path: ctx.file.path, edits: [{ ...range, newText: 'marker()' }] }] }] });
      }
    },
  };
  const root = tempTree({ 'a.rs': 'fn main() {\n    twice();\n}\n' });
  const r = await cli(root, ['check', '--fix'], { rules: [...testRules, chainRule] });
  assert.equal(fs.readFileSync(path.join(root, 'a.rs'), 'utf8'), CLEAN);
  assert.match(r.stdout, /fixed a\.rs: Mark it; Replace with `unmarked\(\)`/);
  assert.equal(r.code, 0);
});

test('--fix keeps a CRLF file CRLF when a fix inserts lines', async () => {
  const lineRule: Rule = {
    ...hintRule,
    id: 'test-lines',
    checkFile(ctx: RuleContext) {
      const at = ctx.file.text.indexOf('marker();');
      if (at < 0) return;
      const range = { start: at, end: at + 9 };
      ctx.report({ range, message: 'm', fixes: [{ title: 'Split', safe: true, edits: [{ path: ctx.file.path, edits: [{ ...range, newText: 'unmarked();\n    // was a marker' }] }] }] });
    },
  };
  const root = tempTree({ 'a.rs': 'fn main() {\r\n    marker();\r\n}\r\n' });
  await cli(root, ['check', '--fix'], { rules: [lineRule] });
  assert.equal(fs.readFileSync(path.join(root, 'a.rs'), 'utf8'), 'fn main() {\r\n    unmarked();\r\n    // was a marker\r\n}\r\n');
});

test('--fix leaves a file untouched when the fixed text would not parse', async () => {
  const text = 'fn main() {\n    breakme();\n    marker();\n}\n';
  const root = tempTree({ 'a.rs': text });
  const before = fs.statSync(path.join(root, 'a.rs')).mtimeMs;
  const r = await cli(root, ['check', '--fix']);
  assert.equal(fs.readFileSync(path.join(root, 'a.rs'), 'utf8'), text);
  assert.equal(fs.statSync(path.join(root, 'a.rs')).mtimeMs, before, 'not rewritten either');
  assert.match(r.stderr, /not fixed: a\.rs would not parse after the fix \("Break the file", "Replace with `unmarked\(\)`"\)/);
  assert.equal(r.code, 1, 'the findings are still reported');
  assert.match(r.stdout, /error\[test-breaker\]/);
  assert.doesNotMatch(r.stdout, /fixed/);
});

test('--fix never touches a file that already had syntax errors, even when the fix adds none', async () => {
  // An unclosed parameter list (ERROR node) and a missing `;` (MISSING node).
  for (const text of ['pub fn broken( {}\nfn main() {\n    marker();\n}\n', 'fn main() {\n    marker();\n    let x = 1\n}\n']) {
    const root = tempTree({ 'a.rs': text, 'b.rs': MARKED });
    const r = await cli(root, ['check', '--fix']);
    assert.equal(fs.readFileSync(path.join(root, 'a.rs'), 'utf8'), text, JSON.stringify(text));
    assert.match(r.stderr, /not fixed: a\.rs has syntax errors\n/);
    assert.equal(fs.readFileSync(path.join(root, 'b.rs'), 'utf8'), CLEAN, 'a clean file in the same run is still fixed');
    assert.match(r.stdout, /warning\[test-marker\]: `marker\(\)` is left in\n --> a\.rs:/, 'the finding is still reported');
    assert.equal(r.code, 1);
    const json = parseJson(await cli(root, ['check', '--fix', '--format', 'json']));
    assert.deepEqual(json.notFixed, [{ path: 'a.rs', reason: 'has syntax errors' }]);
  }
  // Without fixes to apply there is nothing to refuse: no note.
  const quiet = await cli(tempTree({ 'a.rs': 'pub fn broken( {}\n' }), ['check', '--fix']);
  assert.doesNotMatch(quiet.stderr, /not fixed/);
});

test('--explain prints the docs; an unknown rule exits 2 with the list of ids', async () => {
  const root = tempTree({});
  const r = await cli(root, ['--explain', 'test-marker']);
  assert.equal(r.code, 0);
  for (const heading of ['What it does', 'Why is this bad', 'Example', 'Use instead']) assert.match(r.stdout, new RegExp(`^${heading}\n-+\n`, 'm'));
  assert.match(r.stdout, /^test-marker \(default: warning\)\nFlags marker\(\) calls/);
  assert.match(r.stdout, /\n {4}fn f\(\) \{ marker\(\); \}\n/, 'code is indented');
  assert.equal((await cli(root, ['explain', 'test-marker'])).stdout, r.stdout);
  const unknown = await cli(root, ['--explain', 'nope']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown rule 'nope'\nKnown rules: test-breaker, test-hint, test-marker/);
});

test('--explain works for every registered rule', async () => {
  for (const rule of registeredRules) {
    const r = await cli(REPO, ['--explain', rule.id], { rules: registeredRules });
    assert.equal(r.code, 0, rule.id);
    assert.ok(r.stdout.includes(rule.docs.summary.trim()), rule.id);
  }
});

function spawnCli(args: string[], cwd = REPO) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
}

test('bundled CLI: --version, --help, usage errors', () => {
  const version = spawnCli(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^blindspot \d+\.\d+\.\d+/);
  assert.equal(spawnCli(['--help']).status, 0);
  const bad = spawnCli(['check', '--format', 'xml']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--format/);
});

test('bundled CLI: checks the example crate; the exit code matches the findings', () => {
  const r = spawnCli(['check', '--format', 'json', 'examples/seed-crate']);
  const out = JSON.parse(r.stdout) as JsonOutput;
  assert.equal(r.status, out.findings.length ? 1 : 0, r.stderr);
  assert.ok(out.summary.filesChecked >= 2);
  assert.ok(out.findings.every((f) => f.path.startsWith('examples/seed-crate/src/')));
  if (registeredRules.some((rule) => rule.id === 'lock-across-await')) {
    assert.ok(out.findings.some((f) => f.ruleId === 'lock-across-await' && f.path.endsWith('lib.rs')), 'handle_data is flagged');
  }
});

const hasCargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' }).status === 0;

test('the example crate builds with std alone (cargo build --offline)', { skip: hasCargo ? false : 'cargo is not installed' }, () => {
  const targetDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-seed-target-'));
  try {
    const r = spawnSync('cargo', ['build', '--offline', '--quiet', '--target-dir', targetDir], { cwd: path.join(REPO, 'examples', 'seed-crate'), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    fs.rmSync(targetDir, { recursive: true, force: true });
  }
});

test('--fix on a copy of the example crate leaves it building (cargo build --offline)', { skip: hasCargo ? false : 'cargo is not installed' }, async () => {
  const crate = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-seed-fix-'));
  try {
    fs.cpSync(path.join(REPO, 'examples', 'seed-crate'), crate, { recursive: true, filter: (src) => path.basename(src) !== 'target' });
    const r = await cli(crate, ['check', '--fix'], { rules: registeredRules });
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.doesNotMatch(r.stderr, /not fixed|internal error/);
    if (registeredRules.some((rule) => rule.id === 'lock-across-await')) assert.match(r.stdout, /^fixed src\/lib\.rs: /m, 'handle_data is fixed');
    const build = spawnSync('cargo', ['build', '--offline', '--quiet'], { cwd: crate, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    assert.doesNotMatch(build.stderr, /^warning/m, 'the fixes leave no warnings (unused imports, variables)');
    const again = await cli(crate, ['check', '--fix'], { rules: registeredRules });
    assert.doesNotMatch(again.stdout, /^fixed /m, 'a second --fix finds nothing left to fix');
  } finally {
    fs.rmSync(crate, { recursive: true, force: true });
  }
});
