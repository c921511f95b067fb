// The snippet extraction the Neovim suite relies on: the right block, verbatim, only the path replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neovimLuaBlock, readNeovimSnippet, withServerPath } from './snippet';

const DOC = `# Editors

## VS Code

\`\`\`lua
-- not this one
\`\`\`

## Neovim

Some text.

\`\`\`lua
local cmd = { 'node', '/path/to/blindspot/dist/server.js', '--stdio' }
\`\`\`

\`\`\`lua
-- a later alternative
\`\`\`

## Helix
`;

test('the first lua block under the Neovim heading, verbatim', () => {
  assert.equal(neovimLuaBlock(DOC), "local cmd = { 'node', '/path/to/blindspot/dist/server.js', '--stdio' }\n");
  assert.equal(neovimLuaBlock('# Editors\n\n## Helix\n```lua\nx\n```\n'), undefined);
});

test('only quoted paths ending in dist/server.js change', () => {
  const lua = `local a = { 'node', '/path/to/blindspot/dist/server.js' }\nlocal b = "C:/x/dist/server.js"\nlocal c = 'dist/server.json'\n`;
  assert.equal(
    withServerPath(lua, '/repo/dist/server.js'),
    `local a = { 'node', '/repo/dist/server.js' }\nlocal b = "/repo/dist/server.js"\nlocal c = 'dist/server.json'\n`,
  );
});

test('the docs carry a Neovim snippet that starts our server', () => {
  const snippet = readNeovimSnippet();
  assert.match(snippet.lua, /dist\/server\.js/);
});
