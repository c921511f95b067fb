// `blindspot deps` in-process on the fixture workspace: the table, --deny levels and exit codes,
// JSON, and SARIF validated against the 2.1.0 schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv';
import { runCli } from '../server/src/cli/run';
import type { CliContext } from '../server/src/cli/context';

const FIX = path.join(__dirname, 'fixtures-deps');
const FIXTURE_ARGS = ['--advisory-db', path.join(FIX, 'advisory-db'), '--registry', path.join(FIX, 'registry')];

async function deps(args: string[], cwd = FIX): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    cwd,
    env: { CARGO_HOME: path.join(FIX, 'cargo-home') },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdoutIsTTY: false,
    rules: [],
    version: '0.0.0-test',
  };
  const code = await runCli(['deps', ...args], ctx);
  return { code, stdout, stderr };
}

test('deps: a table of every dependency; exit 1 on a vulnerability (the default --deny)', async () => {
  const r = await deps(['workspace', ...FIXTURE_ARGS]);
  assert.equal(r.code, 1);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^crate\s+version\s+kind\s+unsafe\s+advisories$/);
  assert.match(r.stdout, /^rawbuf\s+0\.3\.1\s+direct\s+5 blocks · 2 fn · 2 impl · 1 trait\s+RUSTSEC-2021-0001 \(vulnerability\)$/m);
  assert.match(r.stdout, /^rawbuf\s+0\.4\.2\s+direct\s+1 block\s+-$/m);
  assert.match(r.stdout, /^broken\s+0\.0\.1\s+transitive\s+no sources\s+-$/m);
  assert.match(r.stdout, /^safe-crate\s+1\.0\.0\s+direct\s+forbidden\s+-$/m);
  assert.match(r.stdout, /10 dependencies \(9 direct\), 8 counted, \d+ unsafe items, 4 advisories/);
  assert.match(r.stderr, /note: sources of 2 of 10 dependencies are not on disk/);
});

test('deps: --deny levels', async () => {
  assert.equal((await deps(['workspace', ...FIXTURE_ARGS, '--deny', 'never'])).code, 0);
  assert.equal((await deps(['workspace/crates/tool', ...FIXTURE_ARGS, '--deny', 'unsound'])).code, 1, 'the workspace root is found from a member');
  const noVulns = path.join(FIX, 'no-vulns-db');
  // Only the unmaintained advisory is left when the database has just that crate.
  fs.rmSync(noVulns, { recursive: true, force: true });
  fs.cpSync(path.join(FIX, 'advisory-db', 'crates', 'abandoned'), path.join(noVulns, 'crates', 'abandoned'), { recursive: true });
  try {
    const args = ['workspace', '--advisory-db', noVulns, '--registry', path.join(FIX, 'registry')];
    assert.equal((await deps(args)).code, 0, 'unmaintained is below the default vulnerability level');
    assert.equal((await deps([...args, '--deny', 'unsound'])).code, 0);
    assert.equal((await deps([...args, '--deny', 'unmaintained'])).code, 1);
    assert.equal((await deps([...args, '--deny', 'warning'])).code, 0, 'warning means unsound and above');
  } finally {
    fs.rmSync(noVulns, { recursive: true, force: true });
  }
  const bad = await deps(['workspace', '--deny', 'sometimes']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--deny: 'sometimes' is not one of/);
  assert.equal((await deps(['no-such-folder'])).code, 2);
});

test('deps: --format json', async () => {
  const r = await deps(['workspace/Cargo.toml', ...FIXTURE_ARGS, '--format', 'json']);
  const out = JSON.parse(r.stdout);
  assert.equal(out.root, path.join(FIX, 'workspace'));
  assert.equal(out.notices.length, 2);
  const raw = out.dependencies.find((d: { name: string; version: string }) => d.name === 'rawbuf' && d.version === '0.3.1');
  assert.deepEqual(raw.unsafe.topFiles[0], { file: path.join('src', 'lib.rs'), total: 6 });
  assert.equal(raw.advisories[0].id, 'RUSTSEC-2021-0001');
  assert.equal(raw.advisories[0].firstPatched, '0.3.5');
  assert.equal(raw.advisories[0].date, '2021-03-04');
  assert.deepEqual(raw.advisories[0].patched, ['>= 0.3.5, < 0.4.0', '>= 0.4.1']);
  assert.equal(out.dependencies.find((d: { name: string }) => d.name === 'abandoned').unsafe, null);
});

test('deps: --format sarif is valid SARIF 2.1.0, direct deps on Cargo.toml with fixes, transitive on Cargo.lock', async () => {
  const r = await deps(['workspace', ...FIXTURE_ARGS, '--format', 'sarif']);
  const log = JSON.parse(r.stdout);
  const schema = JSON.parse(fs.readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  const ajv = new Ajv({ schemaId: 'id', allErrors: true });
  ajv.addMetaSchema(JSON.parse(fs.readFileSync(require.resolve('ajv/lib/refs/json-schema-draft-04.json'), 'utf8')));
  const validate = ajv.compile(schema);
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  const run = log.runs[0];
  const raw = run.results.find((x: { ruleId: string }) => x.ruleId === 'RUSTSEC-2021-0001');
  assert.equal(raw.level, 'error');
  assert.equal(raw.locations[0].physicalLocation.artifactLocation.uri, 'crates/app/Cargo.toml');
  assert.equal(raw.locations[0].physicalLocation.region.startLine, 7);
  assert.equal(raw.fixes[0].artifactChanges[0].artifactLocation.uri, 'Cargo.toml', 'the inherited requirement is raised in the root');
  assert.equal(raw.fixes[0].artifactChanges[0].replacements[0].insertedContent.text, '0.3.5');
  const rule = run.tool.driver.rules[raw.ruleIndex];
  assert.equal(rule.id, 'RUSTSEC-2021-0001');
  assert.equal(rule.helpUri, 'https://example.invalid/rawbuf/issues/7');
  assert.deepEqual(run.results.map((x: { level: string }) => x.level).sort(), ['error', 'error', 'note', 'warning']);
  assert.equal(run.invocations[0].toolExecutionNotifications.length, 2);
});

/** A fresh folder with the given files. */
function tempTree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindspot-deps-cli-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

test('deps: bad input fails a CI gate (exit 2, the reason on stderr, nothing on stdout)', async () => {
  const memberBroken = tempTree({
    'Cargo.toml': '[workspace]\nmembers = ["a", "b"]\n',
    'a/Cargo.toml': '[package]\nname = "a"\nversion = "0.1.0"\n',
    'b/Cargo.toml': '[package\nname = "b"\n',
    'Cargo.lock': 'version = 3\n',
  });
  const cases: [string[], RegExp][] = [
    [['malformed'], /^blindspot: error: malformed\/Cargo\.toml is not valid TOML: /],
    [['badlock'], /^blindspot: error: badlock\/Cargo\.lock is not valid TOML: /],
    [['badlock/Cargo.toml', '--format', 'json'], /^blindspot: error: badlock\/Cargo\.lock is not valid TOML: /],
    [[memberBroken, '--format', 'sarif'], /^blindspot: error: \S+\/b\/Cargo\.toml is not valid TOML: /],
    [['workspace', '--advisory-db', '/nonexistent'], /^blindspot: error: --advisory-db: no such folder: \/nonexistent\n$/],
    [['workspace', '--advisory-db', 'registry'], /^blindspot: error: --advisory-db: registry is not a RustSec advisory database/],
    [['workspace', ...FIXTURE_ARGS, '--registry', 'no-such-registry'], /^blindspot: error: --registry: no such folder: no-such-registry\n$/],
    [['no-such-folder'], /^blindspot: error: no Cargo\.toml at no-such-folder\/Cargo\.toml\n$/],
    [['/nonexistent', '--deny', 'never'], /^blindspot: error: no Cargo\.toml at \/nonexistent\/Cargo\.toml\n$/],
    [['workspace/local/src/lib.rs'], /^blindspot: error: workspace\/local\/src\/lib\.rs is not a folder, a Cargo\.toml or a Cargo\.lock\n$/],
  ];
  try {
    for (const [args, message] of cases) {
      const r = await deps(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
  } finally {
    fs.rmSync(memberBroken, { recursive: true, force: true });
  }
});

test('deps: the default advisory database missing is only a note (exit 0)', async () => {
  // The fixture CARGO_HOME has no advisory-db folder.
  const r = await deps(['workspace', '--registry', path.join(FIX, 'registry')]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /note: no RustSec advisory database at \S+cargo-home\/advisory-db: advisories are not checked/);
  assert.match(r.stdout, /10 dependencies \(9 direct\)/);
});

test('deps: without Cargo.lock the direct dependencies are listed as declared, not locked (exit 0)', async () => {
  const root = tempTree({
    'Cargo.toml': '[workspace]\nmembers = ["app", "lib"]\n\n[workspace.dependencies]\nrawbuf = "0.3"\n',
    'app/Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\nrawbuf.workspace = true\nlib = { path = "../lib" }\nleftpad = { version = "0.2", default-features = false }\n\n[dev-dependencies]\nsafe-crate = "1"\n',
    'lib/Cargo.toml': '[package]\nname = "lib"\nversion = "0.1.0"\n\n[dependencies]\nrawbuf = { workspace = true }\ngitdep = { git = "https://example.invalid/gitdep" }\n',
  });
  try {
    const r = await deps([root, ...FIXTURE_ARGS]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^rawbuf\s+unknown \(requires 0\.3\)\s+direct\s+not locked\s+not checked$/m);
    assert.match(r.stdout, /^leftpad\s+unknown \(requires 0\.2\)\s+direct\s+not locked\s+not checked$/m);
    assert.match(r.stdout, /^safe-crate\s+unknown \(requires 1\)\s+direct/m);
    assert.match(r.stdout, /^gitdep\s+unknown \(git https:\/\/example\.invalid\/gitdep\)\s+direct/m);
    assert.doesNotMatch(r.stdout, /^lib\s/m, 'a workspace member is no dependency');
    assert.equal(r.stdout.match(/^rawbuf/gm)?.length, 1, 'one row per crate and requirement');
    assert.match(r.stdout, /4 dependencies \(4 direct, 4 not locked\), 0 counted, 0 unsafe items, 0 advisories/);
    assert.match(r.stderr, /note: no Cargo\.lock: advisories and transitive dependencies need a lock file \(run `cargo generate-lockfile`/);
    assert.equal((await deps([root, ...FIXTURE_ARGS, '--deny', 'informational'])).code, 0, 'nothing locked, nothing denied');
    const json = JSON.parse((await deps([root, ...FIXTURE_ARGS, '--format', 'json'])).stdout);
    assert.equal(json.lockFile, null);
    const raw = json.dependencies.find((d: { name: string }) => d.name === 'rawbuf');
    assert.deepEqual({ version: raw.version, requirement: raw.requirement, locked: raw.locked, direct: raw.direct }, { version: null, requirement: '0.3', locked: false, direct: true });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('deps: PATH may name the Cargo.lock, like the folder or its Cargo.toml', async () => {
  const r = await deps(['workspace/Cargo.lock', ...FIXTURE_ARGS, '--deny', 'never']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /10 dependencies \(9 direct\)/);
});
