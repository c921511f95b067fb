// The extension manifest and the .vsix: the whitelist in .vscodeignore lets only the bundles, the two wasm
// files and the docs in, and every setting is contributed with a description.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './harness/lsp-client';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Names of the entries of a zip file, read from its central directory. */
function zipEntries(file: string): string[] {
  const buf = fs.readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const nameLength = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30);
    const comment = buf.readUInt16LE(at + 32);
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extra + comment;
  }
  return names;
}

test('manifest: entry point, activation, restricted mode, commands and described settings', () => {
  assert.equal(pkg.main, './dist/client.js');
  assert.deepEqual(pkg.activationEvents, ['onLanguage:rust', 'workspaceContains:**/*.rs']);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, true);
  assert.ok(pkg.capabilities.virtualWorkspaces);
  assert.deepEqual(pkg.contributes.commands.map((c: { command: string }) => c.command).sort(), ['blindspot.rescanWorkspace', 'blindspot.showRuleDocs']);
  const props: Record<string, { description?: string; markdownDescription?: string }> = pkg.contributes.configuration.properties;
  for (const key of ['rules', 'extraBlockingGuards', 'debounceMs', 'workspaceScan', 'maxFileSize', 'parseTimeoutMs', 'trace.server']) {
    const prop = props[`blindspot.${key}`];
    assert.ok(prop, `blindspot.${key} is contributed`);
    assert.ok((prop.description ?? prop.markdownDescription ?? '').length > 20, `blindspot.${key} has a description`);
  }
  assert.ok((props['blindspot.debounceMs'] as { default: number }).default <= 100);
});

test('the .vsix holds only dist bundles, both wasm files, README, LICENSE, CHANGELOG and package.json', () => {
  const dist = path.join(ROOT, 'dist');
  assert.ok(fs.existsSync(path.join(dist, 'client.js')) && fs.existsSync(path.join(dist, 'server.js')), 'run `npm run build` first');
  // Package a copy, with decoys the whitelist must leave out, so the real dist/ is never rewritten under other tests.
  const work = tempDir('blindspot-vsix-');
  try {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', '.vscodeignore']) fs.copyFileSync(path.join(ROOT, f), path.join(work, f));
    fs.cpSync(dist, path.join(work, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(work, 'dist', 'server.js.map'), '{}');
    fs.mkdirSync(path.join(work, 'server', 'src'), { recursive: true });
    fs.writeFileSync(path.join(work, 'server', 'src', 'decoy.ts'), '');
    fs.mkdirSync(path.join(work, 'node_modules', 'decoy'), { recursive: true });
    fs.writeFileSync(path.join(work, 'node_modules', 'decoy', 'index.js'), '');
    const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', 'out.vsix'], { cwd: work, stdio: 'pipe' });
    const entries = zipEntries(path.join(work, 'out.vsix')).filter((e) => e.startsWith('extension/'));
    const allowed = /^extension\/(package\.json|readme\.md|changelog\.md|LICENSE\.txt|dist\/[^/]+\.(js|wasm))$/;
    assert.deepEqual(entries.filter((e) => !allowed.test(e)), [], 'nothing outside the whitelist');
    for (const needed of ['dist/client.js', 'dist/server.js', 'dist/web-tree-sitter.wasm', 'dist/tree-sitter-rust.wasm', 'readme.md', 'changelog.md', 'LICENSE.txt']) {
      assert.ok(entries.includes(`extension/${needed}`), `${needed} is packaged`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
