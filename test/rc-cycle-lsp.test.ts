// rc-cycle in the editor: a cycle across two files is reported in the file declaring the back edge, hover shows the
// whole path, and "Downgrade to Weak" is one workspace edit touching both files (never part of fix-all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { CodeAction, Hover, MarkupContent, TextDocumentEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { fileUri, LspClient, messageText, SERVER, tempDir } from './harness/lsp-client';

const CASE = path.join(__dirname, 'fixtures', 'rc-cycle', 'multi_file_parent_child');

/** URIs a workspace edit touches, whichever shape the server chose. */
function touched(edit: WorkspaceEdit): string[] {
  if (edit.documentChanges) return edit.documentChanges.map((c) => (c as TextDocumentEdit).textDocument.uri).sort();
  return Object.keys(edit.changes ?? {}).sort();
}

test('a cross-file cycle: diagnostic, hover path, a two-file Weak fix, not in fix-all', { skip: fs.existsSync(SERVER) ? false : 'dist/server.js is missing: run `npm run build`' }, async () => {
  const dir = tempDir('blindspot-rc-cycle-');
  for (const f of fs.readdirSync(CASE)) fs.copyFileSync(path.join(CASE, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "cycle"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\npath = "lib.rs"\n');
  const client = await LspClient.start({ root: dir, settings: { debounceMs: 10, workspaceScan: true } });
  try {
    const child = path.join(dir, 'child.rs');
    const uri = fileUri(child);
    await client.open(uri, fs.readFileSync(child, 'utf8'), 1);
    const published = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'rc-cycle'));
    const diagnostic = published.diagnostics.find((d) => d.code === 'rc-cycle')!;
    assert.equal(diagnostic.range.start.line, 7);
    assert.match(messageText(diagnostic), /Child\.parent → Parent\.children → Child/);
    assert.ok((diagnostic.relatedInformation ?? []).some((r) => r.location.uri === fileUri(path.join(dir, 'parent.rs'))), 'the owning edge is related information');

    const hover = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: diagnostic.range.start });
    assert.match((hover.contents as MarkupContent).value, /Cycle: Child\.parent → Parent\.children → Child/);

    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
    const weak = actions.find((a) => a.title.startsWith('Downgrade to Weak'));
    assert.ok(weak?.edit, `no Weak fix among ${actions.map((a) => a.title).join(', ')}`);
    assert.deepEqual(touched(weak.edit), [uri, fileUri(path.join(dir, 'parent.rs'))].sort());

    const fixAll = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'] },
    });
    assert.ok(fixAll.every((a) => !a.edit || !touched(a.edit).includes(fileUri(path.join(dir, 'parent.rs')))), 'an unsafe fix is not applied by fix-all');
  } finally {
    assert.equal(await client.stop(), 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
