// The Neovim setup exactly as users copy it from the docs: the first ```lua block in the first
// section whose heading names Neovim. Only the placeholder path to dist/server.js is replaced.
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './workspace';

export const SNIPPET_SOURCES = ['docs/editors.md', 'README.md'];

export interface Snippet {
  source: string;
  lua: string;
}

/** The lua block of the Neovim section of `markdown`, or undefined. */
export function neovimLuaBlock(markdown: string): string | undefined {
  const lines = markdown.split(/\r?\n/);
  let inNeovimSection = false;
  let sectionLevel = 0;
  for (let i = 0; i < lines.length; i++) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(lines[i]);
    if (heading) {
      const level = heading[1].length;
      if (/neovim|nvim/i.test(heading[2])) {
        inNeovimSection = true;
        sectionLevel = level;
      } else if (inNeovimSection && level <= sectionLevel) {
        inNeovimSection = false;
      }
      continue;
    }
    if (inNeovimSection && /^\s*```lua\s*$/.test(lines[i])) {
      const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
      if (end > i) return lines.slice(i + 1, end).join('\n') + '\n';
    }
  }
  return undefined;
}

/** Points every quoted path ending in dist/server.js at this checkout's build. */
export function withServerPath(lua: string, serverJs: string): string {
  return lua.replace(/(['"])[^'"\n]*dist\/server\.js\1/g, (_m, quote: string) => `${quote}${serverJs}${quote}`);
}

export function readNeovimSnippet(): Snippet {
  for (const source of SNIPPET_SOURCES) {
    const file = path.join(REPO, source);
    if (!fs.existsSync(file)) continue;
    const lua = neovimLuaBlock(fs.readFileSync(file, 'utf8'));
    if (lua) return { source, lua };
  }
  throw new Error(`no \`\`\`lua block under a Neovim heading in ${SNIPPET_SOURCES.join(' or ')}`);
}
