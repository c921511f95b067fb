// Every rule: complete docs, a fixture folder with flagged and clean cases, findings exactly as annotated,
// and fix tests (fixes/NAME.rs -> fixes/NAME.fixed.rs). BLESS=1 writes missing or changed .fixed.rs files.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { initParser } from '../server/src/engine/parser';
import { Engine } from '../server/src/engine/analyze';
import { rules } from '../server/src/rules';
import { applyFixes } from '../server/src/engine/fixer';
import { asExpectation, crateFor, describe as show, fixtureCases, headers, parseExpectations } from './harness/fixtures';

const FIXTURES = path.join(__dirname, 'fixtures');

before(async () => {
  await initParser();
});

/** Loads all files of a case into one engine (so cross-file facts resolve) and checks each. */
function runCase(files: string[], ruleId: string) {
  const engine = new Engine(rules.filter((r) => r.id === ruleId));
  const texts = new Map(files.map((f) => [f, fs.readFileSync(f, 'utf8')]));
  for (const [f, text] of texts) engine.indexText(f, text);
  return files.map((f) => ({ file: f, text: texts.get(f)!, result: engine.checkText(f, texts.get(f)!, crateFor(texts.get(f)!)) }));
}

for (const rule of rules) {
  const dir = path.join(FIXTURES, rule.id);

  test(`${rule.id}: docs are complete`, () => {
    for (const key of ['summary', 'whatItDoes', 'whyBad', 'example', 'useInstead'] as const) {
      assert.ok(rule.docs[key]?.trim().length > 10, `${rule.id} docs.${key} is missing`);
    }
    assert.match(rule.id, /^[a-z][a-z0-9-]+$/);
    assert.ok(fs.existsSync(path.join(__dirname, '..', 'server', 'src', 'rules', `${rule.id}.ts`)), 'file name = rule id');
  });

  test(`${rule.id}: has flagged and clean fixtures`, () => {
    const cases = fixtureCases(dir);
    assert.ok(cases.length > 0, `no fixtures in test/fixtures/${rule.id}`);
    const flagged = cases.flatMap((c) => c.files).flatMap((f) => parseExpectations(f, fs.readFileSync(f, 'utf8'))).filter((e) => e.ruleId === rule.id);
    assert.ok(flagged.length > 0, 'no flagged case');
    assert.ok(cases.some((c) => c.name.startsWith('clean')), 'no clean fixture (a file or folder named clean*)');
  });

  for (const c of fixtureCases(dir)) {
    test(`${rule.id}: ${c.name}`, () => {
      for (const { file, text, result } of runCase(c.files, rule.id)) {
        const expected = parseExpectations(file, text).filter((e) => e.ruleId === rule.id).map(show).sort();
        const actual = result.findings.filter((f) => f.ruleId === rule.id).map((f) => show(asExpectation(f, text))).sort();
        assert.deepEqual(actual, expected, `${path.relative(FIXTURES, file)}: findings differ from the inline expectations`);
      }
    });
  }

  const fixDir = path.join(dir, 'fixes');
  if (!fs.existsSync(fixDir)) continue;
  for (const name of fs.readdirSync(fixDir).filter((f) => f.endsWith('.rs') && !f.endsWith('.fixed.rs')).sort()) {
    test(`${rule.id}: fix ${name}`, () => {
      const file = path.join(fixDir, name);
      const text = fs.readFileSync(file, 'utf8');
      const wanted = headers(text).fix;
      const [{ result }] = runCase([file], rule.id);
      const fixes = result.findings
        .filter((f) => f.ruleId === rule.id)
        .map((f) => (wanted ? f.fixes.find((x) => x.title.includes(wanted)) : f.fixes.find((x) => x.preferred) ?? f.fixes[0]))
        .filter((x) => x !== undefined);
      assert.ok(fixes.length > 0, `no fix${wanted ? ` titled "${wanted}"` : ''} offered in ${name}`);
      const out = applyFixes(new Map([[file, text]]), fixes).texts.get(file)!;
      const expectedFile = file.replace(/\.rs$/, '.fixed.rs');
      if (process.env.BLESS && (!fs.existsSync(expectedFile) || fs.readFileSync(expectedFile, 'utf8') !== out)) fs.writeFileSync(expectedFile, out);
      assert.equal(out, fs.readFileSync(expectedFile, 'utf8'));
      const after = runCase([expectedFile], rule.id)[0].result.findings.filter((f) => f.ruleId === rule.id && f.range.start >= 0);
      assert.ok(after.length < result.findings.filter((f) => f.ruleId === rule.id).length || after.length === 0, 'the fix should remove the finding');
    });
  }
}
