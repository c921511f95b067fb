// The README's rule table is generated (`npm run docs`); this fails when it is stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { README, START, END, ruleTable, withTable } from '../scripts/gen-docs';
import { rules } from '../server/src/rules';

const readme = fs.existsSync(README) ? fs.readFileSync(README, 'utf8') : '';
const hasMarkers = readme.includes(START) && readme.includes(END);

test('README rule table is up to date (run `npm run docs`)', { skip: hasMarkers ? false : 'README.md has no rules:start/rules:end markers yet' }, async () => {
  const expected = withTable(readme, await ruleTable());
  assert.equal(readme, expected, 'README.md rule table is stale: run `npm run docs`');
});

test('the rule table has one row per registered rule and leaves the rest of the README alone', async () => {
  const table = await ruleTable();
  for (const rule of rules) assert.ok(table.includes(`| <a id="${rule.id}"></a>\`${rule.id}\` | ${rule.severity} |`), rule.id);
  const sample = `# Title\n\nintro\n\n${START}\nold table\n${END}\n\n## After\n`;
  const updated = withTable(sample, table)!;
  assert.ok(updated.startsWith(`# Title\n\nintro\n\n${START}`));
  assert.ok(updated.endsWith(`${END}\n\n## After\n`));
  assert.ok(!updated.includes('old table'));
  assert.equal(withTable(updated, table), updated, 'regenerating is stable');
  assert.equal(withTable('# no markers\n', table), undefined);
});
