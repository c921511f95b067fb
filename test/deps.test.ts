// The dependency engine on its own fixture registry, cargo home, advisory database and workspace
// (test/fixtures-deps): manifests, lock files, advisories, unsafe counts and the views built on them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initParser } from '../server/src/engine/parser';
import { applyEdits } from '../server/src/engine/fixer';
import { cargoReqToRange, reqMatches, raisedRequirement } from '../server/src/engine/deps/versions';
import { dependencyPositions, parseManifest } from '../server/src/engine/deps/manifest';
import { lockPositions, parseLockfile } from '../server/src/engine/deps/lockfile';
import { loadWorkspace, subtreeOf } from '../server/src/engine/deps/workspace-model';
import { AdvisoryDb, firstPatchedAfter, isAffected, parseAdvisory } from '../server/src/engine/deps/advisories';
import { indexPath, parseIndexCache } from '../server/src/engine/deps/index-cache';
import { countText, UnsafeCounter } from '../server/src/engine/deps/unsafe-count';
import { analyzeDeps, subtreeTotals, type DepsOptions, type DepsReport } from '../server/src/engine/deps/report';
import { hoverMarkdown, lockFindings, manifestFindings, manifestHints } from '../server/src/engine/deps/views';

const FIX = path.join(__dirname, 'fixtures-deps');
const WS = path.join(FIX, 'workspace');
const APP = path.join(WS, 'crates', 'app', 'Cargo.toml');
const read = (p: string) => fs.readFileSync(p, 'utf8');

/** Options that look only at the fixtures (never ~/.cargo or /usr/share/cargo). */
function fixtureOptions(extra: Partial<DepsOptions> = {}): DepsOptions {
  return {
    cargoHome: path.join(FIX, 'cargo-home'),
    advisoryDb: path.join(FIX, 'advisory-db'),
    directoryRegistries: [path.join(FIX, 'registry')],
    counter: new UnsafeCounter(),
    ...extra,
  };
}

before(async () => {
  await initParser();
});

const temps: string[] = [];
after(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder removed when the tests end. */
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

test('versions: Cargo requirements read as Cargo reads them', () => {
  assert.equal(cargoReqToRange('1.2'), '^1.2');
  assert.equal(cargoReqToRange('>= 1.2, < 1.5'), '>=1.2 <1.5');
  assert.equal(cargoReqToRange('=0.3.1'), '0.3.1');
  assert.ok(reqMatches('0.3', '0.3.9'));
  assert.ok(!reqMatches('0.3', '0.4.0'));
  assert.ok(reqMatches('=1.0.1', '1.0.1'));
  // Cargo: a prerelease satisfies only a requirement that names a prerelease of the same version.
  assert.ok(!reqMatches('2', '2.1.0-beta.1'));
  assert.ok(reqMatches('2.0.0-beta.2', '2.0.0-beta.3'));
  assert.equal(raisedRequirement('0.3', '0.3.5'), '0.3.5');
  assert.equal(raisedRequirement('=0.3.1', '0.3.5'), '=0.3.5');
  assert.equal(raisedRequirement('~0.3', '0.3.5'), '~0.3.5');
});

test('manifest: dependencies and where each is written (inline, dotted, table, target, workspace)', () => {
  const text = read(APP);
  const m = parseManifest(text, APP);
  assert.equal(m.name, 'app');
  const byKey = new Map(m.deps.map((d) => [d.key, d]));
  assert.equal(byKey.get('rawbuf')?.inherited, true);
  assert.equal(byKey.get('local')?.path, '../../local');
  assert.equal(byKey.get('gitdep')?.git, 'https://example.invalid/gitdep.git');
  assert.equal(byKey.get('leftpad')?.table, 'target.cfg(unix).dependencies');
  const positions = dependencyPositions(text);
  const slice = (r?: { start: number; end: number }) => (r ? text.slice(r.start, r.end) : undefined);
  assert.equal(slice(positions.get('dependencies\0rawbuf')?.keyRange), 'rawbuf');
  assert.equal(positions.get('dependencies\0rawbuf')?.requirementRange, undefined);
  assert.equal(slice(positions.get('dependencies\0oldtime')?.requirementRange), '0.1.40');
  assert.equal(slice(positions.get('dependencies\0safe-crate')?.requirementRange), '1');
  assert.equal(slice(positions.get('dependencies\0prerel')?.keyRange), 'prerel');
  assert.equal(slice(positions.get('dependencies\0prerel')?.requirementRange), '2.0.0-beta.2');
  assert.equal(slice(positions.get('target.cfg(unix).dependencies\0leftpad')?.requirementRange), '0.2');
  // A key inside a multi-line array is not a dependency.
  assert.equal(positions.has('dependencies\0"experimental"'), false);
  const root = read(path.join(WS, 'Cargo.toml'));
  assert.equal(slice.call(null, dependencyPositions(root).get('workspace.dependencies\0rawbuf')?.requirementRange)?.length, 3);
});

test('manifest: malformed TOML gives a message, not an exception', () => {
  const m = parseManifest(read(path.join(FIX, 'malformed', 'Cargo.toml')), 'Cargo.toml');
  assert.match(m.error ?? '', /not valid TOML/);
  assert.deepEqual(m.deps, []);
});

test('lock file: several versions of one crate, references by name and version', () => {
  const text = read(path.join(WS, 'Cargo.lock'));
  const lock = parseLockfile(text);
  assert.deepEqual(lock.byName.get('rawbuf')!.map((p) => p.version), ['0.3.1', '0.4.2']);
  const app = lock.byName.get('app')![0];
  assert.equal(app.kind, 'path');
  assert.ok(app.dependencies.some((id) => id.startsWith('rawbuf 0.3.1')));
  assert.equal(lock.byName.get('gitdep')![0].kind, 'git');
  const positions = lockPositions(text);
  const rawbuf042 = lock.byName.get('rawbuf')![1];
  const r = positions.get(rawbuf042.id)!;
  assert.equal(text.slice(r.start, r.end), 'rawbuf');
  assert.ok(text.slice(r.end, r.end + 40).includes('0.4.2'));
  assert.throws(() => parseLockfile(read(path.join(FIX, 'badlock', 'Cargo.lock'))));
});

test('workspace: members by glob, inherited requirements, path, git and registry deps resolved', () => {
  const model = loadWorkspace(APP);
  assert.equal(model.root, WS);
  assert.deepEqual(model.members.map((m) => m.name).sort(), ['app', 'tool']);
  const locked = (member: string, key: string) => model.direct.find((d) => d.member.name === member && d.declared.key === key)?.locked;
  assert.equal(locked('app', 'rawbuf')?.version, '0.3.1');
  assert.equal(locked('tool', 'rawbuf')?.version, '0.4.2');
  assert.equal(locked('app', 'local')?.kind, 'path');
  assert.equal(locked('app', 'gitdep')?.kind, 'git');
  assert.equal(locked('app', 'prerel')?.version, '2.0.0-beta.2');
  assert.equal(model.pathCrates.get('local 0.5.0'), path.join(WS, 'local'));
  assert.deepEqual(model.problems, []);
  const subtree = subtreeOf(model.lock!, locked('app', 'abandoned')!.id).map((p) => p.name);
  assert.deepEqual(subtree.sort(), ['abandoned', 'broken']);
});

test('workspace: missing and malformed files are problems, never exceptions', () => {
  assert.match(loadWorkspace(path.join(FIX, 'badlock')).problems.join('\n'), /Cargo.lock is not valid TOML/);
  assert.match(loadWorkspace(path.join(FIX, 'malformed')).problems.join('\n'), /not valid TOML/);
  assert.match(loadWorkspace(path.join(FIX, 'no-such-crate')).problems.join('\n'), /no Cargo.toml/);
  const tmp = tempDir('deps-nolock-');
  fs.writeFileSync(path.join(tmp, 'Cargo.toml'), '[package]\nname = "x"\nversion = "0.1.0"\n[dependencies]\nserde = "1"\n');
  assert.match(loadWorkspace(tmp).problems.join('\n'), /no Cargo.lock/);
});

test('advisories: front matter, withdrawn and malformed files, TOML dates', () => {
  const db = AdvisoryDb.open(path.join(FIX, 'advisory-db'))!;
  assert.ok(db);
  assert.deepEqual(db.forCrate('rawbuf').map((a) => a.id), ['RUSTSEC-2021-0001'], 'the withdrawn advisory is left out');
  const [adv] = db.forCrate('rawbuf');
  assert.equal(adv.title, '`RawBuf::get` reads out of bounds');
  assert.equal(adv.date, '2021-03-04');
  assert.equal(adv.level, 'vulnerability');
  assert.equal(db.forCrate('oldtime')[0].date, '2020-11-18', 'an unquoted TOML date');
  assert.equal(db.forCrate('oldtime')[0].level, 'unsound');
  assert.equal(db.forCrate('abandoned')[0].level, 'unmaintained');
  assert.equal(db.forCrate('leftpad')[0].level, 'informational');
  assert.deepEqual(db.forCrate('broken'), []);
  assert.equal(db.malformed.length, 1);
  assert.deepEqual(db.forCrate('not-in-db'), []);
  assert.equal(AdvisoryDb.open(path.join(FIX, 'registry')), undefined, 'a folder without crates/ is not a database');
  assert.equal(parseAdvisory('no front matter', 'x.md'), undefined);
});

test('advisories: patched and unaffected ranges, prereleases by order', () => {
  const db = AdvisoryDb.open(path.join(FIX, 'advisory-db'))!;
  const [raw] = db.forCrate('rawbuf');
  assert.ok(isAffected(raw, '0.3.1'));
  assert.ok(!isAffected(raw, '0.3.5'));
  assert.ok(isAffected(raw, '0.4.0'));
  assert.ok(!isAffected(raw, '0.4.2'));
  assert.ok(!isAffected(raw, '0.1.9'), 'unaffected: < 0.2.0');
  assert.ok(isAffected(raw, '0.3.5-rc.1'), 'a prerelease of the fix comes before the fix');
  assert.ok(!isAffected(raw, '0.4.3-alpha.1'), 'a prerelease after the fix is patched');
  const [pre] = db.forCrate('prerel');
  assert.ok(isAffected(pre, '2.0.0-beta.2'));
  assert.ok(!isAffected(pre, '2.0.0-rc.2'));
  assert.ok(!isAffected(pre, '2.0.0'));
  assert.ok(isAffected(pre, '1.9.0'));
  assert.equal(firstPatchedAfter(raw, '0.3.1'), '0.3.5');
  assert.equal(firstPatchedAfter(raw, '0.4.0'), '0.4.1');
  assert.equal(firstPatchedAfter(pre, '2.0.0-beta.2'), '2.0.0-rc.1');
  // With the registry's list (yanked versions already removed), the first real release is chosen.
  assert.equal(firstPatchedAfter(raw, '0.3.1', ['0.3.1', '0.3.6', '0.4.2']), '0.3.6');
  assert.equal(firstPatchedAfter(db.forCrate('abandoned')[0], '1.0.3'), undefined, 'nothing is patched');
});

test('index cache: published and yanked versions from cargo’s cached index entries', () => {
  assert.equal(indexPath('ab'), path.join('2', 'ab'));
  assert.equal(indexPath('Abc'), path.join('3', 'a', 'abc'));
  assert.equal(indexPath('rawbuf'), path.join('ra', 'wb', 'rawbuf'));
  const parsed = parseIndexCache(indexCacheBytes('rawbuf', [['0.3.1', false], ['0.3.5', true]]));
  assert.deepEqual(parsed, [{ version: '0.3.1', yanked: false }, { version: '0.3.5', yanked: true }]);
  assert.deepEqual(parseIndexCache(Buffer.from([3])), []);
});

test('unsafe: blocks, fn, impl, trait and forbid(unsafe_code) counted with tree-sitter', () => {
  const counted = countText('#![forbid(unsafe_code)]\nunsafe fn a() { unsafe {} }\nunsafe impl Send for X {}\nunsafe trait T {}\nfn s() { let u = "unsafe { }"; }\n// unsafe { }\n')!;
  assert.deepEqual(counted.counts, { blocks: 1, fns: 1, impls: 1, traits: 1 });
  assert.equal(counted.forbidsUnsafe, true);
  assert.equal(countText('#![deny(unsafe_code)]\n')!.forbidsUnsafe, false);
});

test('unsafe: a crate folder, tests left out, top files, skipped files, cache and cancel', async () => {
  const counter = new UnsafeCounter();
  const dir = path.join(FIX, 'registry', 'rawbuf-0.3.1');
  const result = await counter.countCrate(dir, 'rawbuf 0.3.1');
  assert.deepEqual(result.counts, { blocks: 5, fns: 2, impls: 2, traits: 1 });
  assert.equal(result.files, 2, 'tests/ is not counted');
  assert.deepEqual(result.topFiles, [{ file: path.join('src', 'lib.rs'), total: 6 }, { file: path.join('src', 'ffi.rs'), total: 4 }]);
  assert.equal(await counter.countCrate('/nonexistent', 'rawbuf 0.3.1'), result, 'cached by name and version');
  const safe = await counter.countCrate(path.join(FIX, 'registry', 'safe-crate-1.0.0'));
  assert.equal(safe.forbidsUnsafe, true);
  assert.deepEqual(safe.counts, { blocks: 0, fns: 0, impls: 0, traits: 0 });
  const old = await counter.countCrate(path.join(FIX, 'registry', 'oldtime-0.1.43'));
  assert.equal(old.skippedFiles, 1, 'a binary .rs file is skipped');
  assert.ok(old.counts.blocks >= 1 && old.counts.fns === 1, 'broken Rust is still counted where it parses');
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(new UnsafeCounter().countCrate(dir, undefined, aborted.signal), { name: 'AbortError' });
  const tiny = new UnsafeCounter({}, 1);
  await tiny.countCrate(dir, 'a');
  await tiny.countCrate(dir, 'b');
  assert.equal(tiny.size, 1, 'the cache is bounded');
});

let full: DepsReport;

test('report: every locked package with sources, counts and advisories', async () => {
  const progress: string[] = [];
  let readyCounting: boolean | undefined;
  full = await analyzeDeps(WS, fixtureOptions({ onProgress: (done, total, name) => progress.push(`${done}/${total} ${name}`), onReady: (r) => (readyCounting = r.counting) }));
  assert.equal(readyCounting, true, 'advisories are ready before the count');
  assert.equal(full.counting, false);
  const entry = (name: string, version?: string) => full.entries.find((e) => e.pkg.name === name && (!version || e.pkg.version === version))!;
  assert.deepEqual(full.entries.map((e) => `${e.pkg.name} ${e.pkg.version}`), [
    'abandoned 1.0.3', 'broken 0.0.1', 'gitdep 0.1.0', 'leftpad 0.2.0', 'local 0.5.0', 'oldtime 0.1.43', 'prerel 2.0.0-beta.2', 'rawbuf 0.3.1', 'rawbuf 0.4.2', 'safe-crate 1.0.0',
  ]);
  assert.equal(entry('broken').direct, false);
  assert.equal(entry('rawbuf', '0.4.2').direct, true);
  assert.equal(entry('leftpad').sourceDir, path.join(FIX, 'cargo-home', 'registry', 'src', 'index.crates.io-6f17d22bba15001f', 'leftpad-0.2.0'));
  assert.equal(entry('gitdep').sourceDir, path.join(FIX, 'cargo-home', 'git', 'checkouts', 'gitdep-3f1e2d4c5b6a7988', 'abcdef0', 'gitdep'));
  assert.equal(entry('local').sourceDir, path.join(WS, 'local'));
  assert.deepEqual(entry('local').unsafe?.counts, { blocks: 1, fns: 0, impls: 0, traits: 0 });
  assert.equal(entry('abandoned').sourceDir, undefined);
  assert.deepEqual(entry('rawbuf', '0.3.1').advisories.map((m) => [m.advisory.id, m.firstPatched]), [['RUSTSEC-2021-0001', '0.3.5']]);
  assert.deepEqual(entry('rawbuf', '0.4.2').advisories, []);
  assert.deepEqual(entry('leftpad').advisories, [], 'leftpad 0.2.0 is in the unaffected range');
  assert.equal(entry('oldtime').advisories[0].firstPatched, '0.1.45');
  assert.equal(progress.at(-1), '8/8 ', 'progress ends with every crate with sources counted');
  // One notice per kind of missing thing, never one per dependency.
  assert.equal(full.notices.length, 2);
  assert.match(full.notices.join('\n'), /1 advisory file\(s\) could not be read/);
  assert.match(full.notices.join('\n'), /sources of 2 of 10 dependencies are not on disk/);
  const tree = subtreeTotals(full, entry('safe-crate').pkg.id);
  assert.equal(tree.crates, 2);
  assert.deepEqual(tree.counts, { blocks: 1, fns: 0, impls: 0, traits: 0 });
  assert.equal(tree.forbidding, 1);
});

test('report: the count yields to the event loop between crates', async () => {
  const events: string[] = [];
  let ticking = true;
  const tick = () => {
    events.push('tick');
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    await analyzeDeps(WS, fixtureOptions({ onProgress: (done) => events.push(`crate ${done}`) }));
  } finally {
    ticking = false;
  }
  const crates = events.filter((e) => e.startsWith('crate'));
  const ticksBetween = events.slice(events.indexOf(crates[0]), events.lastIndexOf(crates.at(-1)!)).filter((e) => e === 'tick').length;
  assert.ok(ticksBetween >= 1, `timers ran while counting: ${events.join(', ')}`);
});

test('report: an aborted run rejects and leaves nothing running', async () => {
  const controller = new AbortController();
  const run = analyzeDeps(WS, fixtureOptions({ signal: controller.signal, onReady: () => controller.abort() }));
  await assert.rejects(run, { name: 'AbortError' });
});

test('report: no advisory database gives one notice and no per-line findings', async () => {
  const report = await analyzeDeps(WS, fixtureOptions({ advisoryDb: path.join(FIX, 'no-such-db') }));
  assert.ok(report.entries.every((e) => e.advisories.length === 0));
  const findings = manifestFindings(report, APP, read(APP), () => read(path.join(WS, 'Cargo.toml')));
  assert.deepEqual(findings.map((f) => [f.ruleId, f.severity]), [['deps-notice', 'info']]);
  assert.match(findings[0].message, /no RustSec advisory database at .*no-such-db/);
});

test('report: malformed manifest and lock file give notices, not exceptions', async () => {
  const bad = await analyzeDeps(path.join(FIX, 'malformed'), fixtureOptions());
  assert.deepEqual(bad.entries, []);
  assert.match(bad.notices[0], /not valid TOML/);
  const badLock = await analyzeDeps(path.join(FIX, 'badlock'), fixtureOptions());
  assert.deepEqual(badLock.entries, []);
  assert.match(badLock.notices.join('\n'), /Cargo.lock is not valid TOML/);
});

test('views: Cargo.toml findings by severity, with the raise-version fix where the requirement lives', () => {
  const text = read(APP);
  const rootFile = path.join(WS, 'Cargo.toml');
  const rootText = read(rootFile);
  const findings = manifestFindings(full, APP, text, () => rootText).filter((f) => f.ruleId !== 'deps-notice');
  const on = (ruleId: string) => findings.find((f) => f.ruleId === ruleId)!;
  assert.deepEqual(findings.map((f) => [text.slice(f.range.start, f.range.end), f.ruleId, f.severity]).sort(), [
    ['abandoned', 'RUSTSEC-2022-0002', 'hint'],
    ['oldtime', 'RUSTSEC-2020-0071', 'warning'],
    ['prerel', 'RUSTSEC-2023-0003', 'error'],
    ['rawbuf', 'RUSTSEC-2021-0001', 'error'],
  ]);
  // `rawbuf.workspace = true`: the fix edits the root's [workspace.dependencies].
  const rawFix = on('RUSTSEC-2021-0001').fixes[0];
  assert.equal(rawFix.title, 'Raise rawbuf to 0.3.5 (first patched version)');
  assert.equal(rawFix.edits[0].path, rootFile);
  assert.match(applyEdits(rootText, rawFix.edits[0].edits), /rawbuf = "0\.3\.5"/);
  const oldFix = on('RUSTSEC-2020-0071').fixes[0];
  assert.equal(oldFix.edits[0].path, APP);
  assert.match(applyEdits(text, oldFix.edits[0].edits), /oldtime = \{ version = "0\.1\.45", default-features = false \}/);
  assert.match(applyEdits(text, on('RUSTSEC-2023-0003').fixes[0].edits[0].edits), /\[dependencies\.prerel\]\nversion = "2\.0\.0-rc\.1"/);
  assert.deepEqual(on('RUSTSEC-2022-0002').fixes, [], 'nothing to raise to');
  assert.ok(findings.every((f) => f.fixes.every((fix) => fix.safe === false)), 'a version bump is never applied unattended');
});

test('views: Cargo.lock findings include transitive packages and who pulls them in', () => {
  const text = read(path.join(WS, 'Cargo.lock'));
  const findings = lockFindings(full, path.join(WS, 'Cargo.lock'), text).filter((f) => f.ruleId !== 'deps-notice');
  assert.deepEqual(findings.map((f) => f.ruleId).sort(), ['RUSTSEC-2020-0071', 'RUSTSEC-2021-0001', 'RUSTSEC-2022-0002', 'RUSTSEC-2023-0003']);
  const raw = findings.find((f) => f.ruleId === 'RUSTSEC-2021-0001')!;
  assert.ok(text.slice(raw.range.end, raw.range.end + 30).includes('0.3.1'), 'on the affected version’s block');
  assert.ok(raw.notes.some((n) => n.includes('cargo update -p rawbuf@0.3.1 --precise 0.3.5')));
});

test('views: inlay hint labels and the hover', () => {
  const text = read(APP);
  const hints = manifestHints(full, APP, text);
  const label = (key: string) => hints.find((h) => text.slice(h.range.start, h.range.end) === key)?.label;
  assert.equal(label('rawbuf'), 'unsafe: 5 blocks · 2 fn · 2 impl · 1 trait');
  assert.equal(label('safe-crate'), 'unsafe: forbidden | tree: 1 in 2 crates');
  assert.equal(label('abandoned'), 'unsafe: sources not on disk');
  assert.equal(label('local'), 'unsafe: 1 block | tree: 4 in 2 crates');
  const at = hints.find((h) => h.entry.pkg.name === 'rawbuf')!;
  assert.equal(text[at.offset], '\n', 'at the end of the dependency’s line');
  const hover = hoverMarkdown(full, at.entry);
  assert.match(hover, /\| blocks \| 5 \|/);
  assert.match(hover, /Most unsafe: `src\/lib.rs` \(6\), `src\/ffi.rs` \(4\)/);
  assert.match(hover, /\[RUSTSEC-2021-0001\]\(https:\/\/example.invalid\/rawbuf\/issues\/7\) vulnerability: `RawBuf::get` reads out of bounds — 2021-03-04; patched: >= 0.3.5, < 0.4.0, >= 0.4.1/);
  const viaTree = hoverMarkdown(full, hints.find((h) => h.entry.pkg.name === 'abandoned')!.entry);
  assert.match(viaTree, /Sources not on disk/);
});

test('report: yanked versions and the first usable patched release come from cargo’s index cache', async () => {
  const home = tempDir('deps-home-');
  fs.cpSync(path.join(FIX, 'cargo-home'), home, { recursive: true });
  const cache = path.join(home, 'registry', 'index', 'index.crates.io-6f17d22bba15001f', '.cache');
  const write = (name: string, versions: [string, boolean][]) => {
    const file = path.join(cache, indexPath(name));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, indexCacheBytes(name, versions));
  };
  write('rawbuf', [['0.3.1', false], ['0.3.5', true], ['0.3.6', false], ['0.4.2', false]]);
  write('oldtime', [['0.1.43', true], ['0.1.45', false]]);
  const report = await analyzeDeps(WS, fixtureOptions({ cargoHome: home, countUnsafe: false }));
  const raw = report.entries.find((e) => e.pkg.name === 'rawbuf' && e.pkg.version === '0.3.1')!;
  assert.equal(raw.advisories[0].firstPatched, '0.3.6', '0.3.5 was yanked');
  assert.equal(raw.yanked, false);
  assert.equal(report.entries.find((e) => e.pkg.name === 'oldtime')!.yanked, true);
  const text = read(APP);
  const yanked = manifestFindings(report, APP, text, () => undefined).find((f) => f.ruleId === 'yanked-crate')!;
  assert.equal(text.slice(yanked.range.start, yanked.range.end), 'oldtime');
  assert.equal(yanked.severity, 'warning');
});

test('Debian directory registry: real crates counted when librust-*-dev packages are installed', async (t) => {
  const registry = '/usr/share/cargo/registry';
  const crates = fs.existsSync(registry) ? fs.readdirSync(registry).filter((d) => /^(parking_lot|parking_lot_core|lock_api|scopeguard|memchr|libc)-\d/.test(d)) : [];
  if (crates.length === 0) {
    t.skip(`no librust-*-dev crates in ${registry} (apt-get install librust-parking-lot-dev to run this test)`);
    return;
  }
  const counter = new UnsafeCounter();
  for (const crate of crates) {
    const result = await counter.countCrate(path.join(registry, crate), crate);
    t.diagnostic(`${crate}: ${result.files} files, ${JSON.stringify(result.counts)}${result.forbidsUnsafe ? ', forbids unsafe' : ''}`);
    assert.ok(result.files > 0, `${crate} has sources`);
    if (/^(parking_lot_core|lock_api|libc|memchr)-/.test(crate)) assert.ok(result.counts.blocks + result.counts.fns + result.counts.impls > 0, `${crate} uses unsafe`);
  }
});

/** Bytes in the layout of cargo's index cache: version byte, u32 format, revision\0, (version\0json\0)*. */
function indexCacheBytes(name: string, versions: [string, boolean][]): Buffer {
  const parts: Buffer[] = [Buffer.from([3, 2, 0, 0, 0]), Buffer.from('etag: "abc"\0')];
  for (const [vers, yanked] of versions) parts.push(Buffer.from(`${vers}\0${JSON.stringify({ name, vers, deps: [], cksum: '00', features: {}, yanked })}\0`));
  return Buffer.concat(parts);
}

test('workspace: renamed dependencies, [patch] paths, v1 lock references, other registries', async () => {
  const root = '/virtual/ws';
  const files: Record<string, string> = {
    [`${root}/Cargo.toml`]: [
      '[package]\nname = "v"\nversion = "1.0.0"\n',
      '[dependencies]\nrand07 = { package = "rand", version = "0.7" }\nrand = "0.8"\nprivate = { version = "1", registry = "corp" }\n',
      '[patch.crates-io]\nrawbuf = { path = "patched/rawbuf" }\n',
    ].join('\n'),
    [`${root}/patched/rawbuf/Cargo.toml`]: '[package]\nname = "rawbuf"\nversion = "0.3.1"\n',
    [`${root}/Cargo.lock`]: [
      '[[package]]\nname = "v"\nversion = "1.0.0"\ndependencies = [\n "private 1.0.0 (registry+https://corp.invalid/index)",\n "rand 0.7.3 (registry+https://github.com/rust-lang/crates.io-index)",\n "rand 0.8.5 (sparse+https://index.crates.io/)",\n "rawbuf 0.3.1",\n]\n',
      '[[package]]\nname = "rand"\nversion = "0.7.3"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n',
      '[[package]]\nname = "rand"\nversion = "0.8.5"\nsource = "sparse+https://index.crates.io/"\n',
      '[[package]]\nname = "private"\nversion = "1.0.0"\nsource = "registry+https://corp.invalid/index"\n',
      '[[package]]\nname = "rawbuf"\nversion = "0.3.1"\n',
    ].join('\n'),
  };
  const reader = (f: string) => files[f];
  const model = loadWorkspace(root, reader);
  const locked = (key: string) => model.direct.find((d) => d.declared.key === key)?.locked?.version;
  assert.equal(locked('rand07'), '0.7.3');
  assert.equal(locked('rand'), '0.8.5');
  assert.equal(model.pathCrates.get('rawbuf 0.3.1'), `${root}/patched/rawbuf`, 'a [patch] by path is a path crate');
  const db = path.join(FIX, 'advisory-db');
  const tmpDb = tempDir('deps-db-');
  fs.cpSync(db, tmpDb, { recursive: true });
  fs.mkdirSync(path.join(tmpDb, 'crates', 'private'));
  fs.writeFileSync(path.join(tmpDb, 'crates', 'private', 'RUSTSEC-2025-0005.md'), '```toml\n[advisory]\nid = "RUSTSEC-2025-0005"\npackage = "private"\ndate = "2025-01-01"\n[versions]\npatched = []\n```\n# A crates.io crate named like the corporate one\n');
  const report = await analyzeDeps(root, fixtureOptions({ read: reader, advisoryDb: tmpDb, countUnsafe: false }));
  const entry = (name: string) => report.entries.find((e) => e.pkg.name === name)!;
  assert.deepEqual(entry('private').advisories, [], 'advisories are about crates.io crates only');
  assert.deepEqual(entry('rawbuf').advisories, [], 'a patched path crate is the user’s own code');
});

test('sources: vendor/ (plain and versioned folders) and .cargo/config.toml directory sources', async () => {
  const root = tempDir('deps-vendor-');
  fs.cpSync(path.join(WS), root, { recursive: true });
  // `cargo vendor` names the folder NAME, or NAME-VERSION when several versions are vendored.
  fs.cpSync(path.join(FIX, 'registry', 'rawbuf-0.4.2'), path.join(root, 'vendor', 'rawbuf'), { recursive: true });
  fs.cpSync(path.join(FIX, 'registry', 'rawbuf-0.3.1'), path.join(root, 'vendor', 'rawbuf-0.3.1'), { recursive: true });
  fs.cpSync(path.join(FIX, 'registry', 'oldtime-0.1.43'), path.join(root, 'third_party', 'oldtime'), { recursive: true });
  fs.mkdirSync(path.join(root, '.cargo'));
  fs.writeFileSync(path.join(root, '.cargo', 'config.toml'), '[source.crates-io]\nreplace-with = "mine"\n[source.mine]\ndirectory = "third_party"\n');
  const report = await analyzeDeps(root, fixtureOptions({ directoryRegistries: [] }));
  const dir = (name: string, version: string) => report.entries.find((e) => e.pkg.name === name && e.pkg.version === version)?.sourceDir;
  assert.equal(dir('rawbuf', '0.4.2'), path.join(root, 'vendor', 'rawbuf'));
  assert.equal(dir('rawbuf', '0.3.1'), path.join(root, 'vendor', 'rawbuf-0.3.1'));
  assert.equal(dir('oldtime', '0.1.43'), path.join(root, 'third_party', 'oldtime'));
  assert.equal(dir('safe-crate', '1.0.0'), undefined, 'not vendored, and no registry was given');
});

test('manifest positions survive CRLF line ends and non-ASCII text', () => {
  const text = '# Ünïcödé 🦀\r\n[dependencies]\r\nserde = { version = "1.0.100", features = ["derive"] }\r\n"quoted-key" = "0.2"\r\n';
  const positions = dependencyPositions(text);
  const serde = positions.get('dependencies\0serde')!;
  assert.equal(text.slice(serde.requirementRange!.start, serde.requirementRange!.end), '1.0.100');
  assert.equal(serde.line, 2);
  const quoted = positions.get('dependencies\0quoted-key')!;
  assert.equal(text.slice(quoted.keyRange.start, quoted.keyRange.end), '"quoted-key"');
  assert.equal(text.slice(quoted.requirementRange!.start, quoted.requirementRange!.end), '0.2');
});
