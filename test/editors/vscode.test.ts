// The packaged extension in a real VS Code: code-server serves the demo workspace in Restricted Mode,
// headless Chromium renders the workbench, and each step checks what a user sees and saves a
// screenshot under test-output/editors/vscode/. On a failure the screenshot, code-server's log and the
// VS Code logs folder stay behind and their paths are printed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { ensureEditorTools } from '../../scripts/editors/setup';
import { launchChromium, type BrowserContext, type Page } from './browser';
import { startCodeServer, type CodeServer } from './code-server';
import { makeWorkspace, outputPath, REPO, RULE, type RustWorkspace } from './workspace';
import { rules } from '../../server/src/rules';

const STEP_TIMEOUT = 60_000;
const EDITOR = '.part.editor .monaco-editor';
const SQUIGGLE = `${EDITOR} .squiggly-error, ${EDITOR} .squiggly-warning, ${EDITOR} .squiggly-info`;

/** The .vsix under test: $BLINDSPOT_VSIX, else the newest *.vsix in the repository root (npm run package). */
function findVsix(): string {
  if (process.env.BLINDSPOT_VSIX) return path.resolve(process.env.BLINDSPOT_VSIX);
  const candidates = fs
    .readdirSync(REPO)
    .filter((f) => f.endsWith('.vsix'))
    .map((f) => path.join(REPO, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (!candidates.length) throw new Error(`no .vsix in ${REPO}: run npm run package first (or set BLINDSPOT_VSIX)`);
  return candidates[0];
}

/** The first sentence of the rule's "why is this bad", which the hover must carry. */
function explanationSentence(ruleId: string): string {
  const whyBad = rules.find((r) => r.id === ruleId)!.docs.whyBad;
  return whyBad.split(/(?<=\.)\s/)[0].replace(/`/g, '');
}

/** The text of the active editor as rendered, lines in screen order, non-breaking spaces undone (the empty line after a final newline is a line of its own). */
function editorText(page: Page): Promise<string> {
  return page.evaluate((selector) => {
    const editor = document.querySelector(selector);
    if (!editor) return '';
    const lines = [...editor.querySelectorAll<HTMLElement>('.view-lines .view-line')];
    lines.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
    return lines.map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n');
  }, EDITOR);
}

/** The rendered text of the editor line each squiggle sits on. */
function squiggledLines(page: Page): Promise<string[]> {
  return page.evaluate(
    ({ squiggle, editorSel }) => {
      const editor = document.querySelector(editorSel);
      if (!editor) return [];
      const lines = [...editor.querySelectorAll<HTMLElement>('.view-lines .view-line')];
      return [...document.querySelectorAll<HTMLElement>(squiggle)].map((s) => {
        const top = s.getBoundingClientRect().top;
        const line = lines.find((l) => Math.abs(l.getBoundingClientRect().top - top) < 3);
        return (line?.textContent ?? '?').replace(/\u00a0/g, ' ');
      });
    },
    { squiggle: SQUIGGLE, editorSel: EDITOR },
  );
}

interface Session {
  ws: RustWorkspace;
  server: CodeServer;
  browser: BrowserContext;
  page: Page;
  shots: string[];
  failed: boolean;
}

/** Runs one user-visible step as a subtest; saves a screenshot after it, or on failure, and skips the rest once one failed. */
async function step(t: TestContext, s: Session, name: string, body: () => Promise<void>): Promise<void> {
  await t.test(name, async (sub) => {
    if (s.failed) return sub.skip('an earlier step failed');
    const shot = path.join(path.dirname(s.server.log), `${String(s.shots.length + 1).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`);
    try {
      await body();
      await s.page.screenshot({ path: `${shot}.png` });
      s.shots.push(`${shot}.png`);
    } catch (error) {
      s.failed = true;
      await s.page.screenshot({ path: `${shot}-FAILED.png` }).catch(() => undefined);
      const logs = path.join(s.server.userDataDir, 'logs');
      console.log(`FAILED at "${name}"\n  screenshot: ${shot}-FAILED.png\n  code-server log: ${s.server.log}\n  VS Code logs (extension host, Blindspot output): ${logs}`);
      throw error;
    }
  });
}

async function openWorkbench(s: Session): Promise<void> {
  await s.page.goto(`${s.server.url}/?folder=${encodeURIComponent(s.ws.root)}`, { timeout: STEP_TIMEOUT });
  await s.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: STEP_TIMEOUT });
  // The explorer lists the folder once the workbench has loaded it.
  await s.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'Cargo.toml' }).first().waitFor({ timeout: STEP_TIMEOUT });
}

async function restrictedModeShown(page: Page): Promise<void> {
  await page.locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: STEP_TIMEOUT });
}

/** Quick Open (Ctrl+P) the file; returns when Enter was pressed. */
async function quickOpen(page: Page, fileName: string): Promise<number> {
  await page.locator('.monaco-workbench').first().click();
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  await page.keyboard.type(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: STEP_TIMEOUT });
  await page.keyboard.press('Enter');
  return Date.now();
}

/** Scrolls the open hover (mouse wheel over it) so the screenshot shows the rule's explanation, not only the message. */
async function scrollHoverToExplanation(page: Page, sentence: string): Promise<void> {
  const box = await page.locator('.monaco-hover').first().boundingBox();
  if (!box) return;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
  const explanationTop = () =>
    page.evaluate((text) => {
      const block = [...document.querySelectorAll<HTMLElement>('.monaco-hover p, .monaco-hover li')].find((e) => (e.textContent ?? '').includes(text));
      return block ? block.getBoundingClientRect().top : null;
    }, sentence);
  for (let i = 0; i < 15; i++) {
    const top = await explanationTop();
    if (top === null || top < box.y + box.height / 2) break;
    await page.mouse.wheel(0, 100);
    await page.waitForTimeout(100);
  }
}

/** Where to point at the squiggle. Decorations are re-rendered whenever diagnostics are republished, so a box can vanish between two calls: retry. */
async function squiggleCenter(page: Page): Promise<{ x: number; y: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const squiggle = page.locator(SQUIGGLE).first();
    await squiggle.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    const box = await squiggle.boundingBox();
    if (box) return { x: box.x + Math.min(box.width / 2, 40), y: box.y + box.height / 2 };
    await page.waitForTimeout(100);
  }
  throw new Error('the squiggle never held still on screen');
}

/** Closes Chromium, but never lets a stuck close keep code-server running. */
async function closeWithin(browser: BrowserContext, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const outcome = await Promise.race([browser.close().catch((e: Error) => e), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') console.error(`Chromium did not close within ${ms} ms`);
  else if (outcome instanceof Error) console.error(`closing Chromium failed: ${outcome.message}`);
}

test('VS Code (code-server): the packaged extension in Restricted Mode', { timeout: 10 * 60_000 }, async (t) => {
  const tools = ensureEditorTools();
  const vsix = findVsix();
  const ws = await makeWorkspace('vscode');
  const runDir = outputPath('vscode');
  const server = await startCodeServer(tools, runDir, vsix);
  console.log(`installed ${path.relative(REPO, vsix)}; code-server on ${server.url}; log ${server.log}`);
  const browser = await launchChromium(tools, path.join(runDir, 'chromium-profile'));
  const page = browser.pages()[0] ?? (await browser.newPage());
  const s: Session = { ws, server, browser, page, shots: [], failed: false };
  const expected = ws.expected;
  try {
    await step(t, s, 'workbench opens the folder in Restricted Mode', async () => {
      await openWorkbench(s);
      await restrictedModeShown(page);
    });

    await step(t, s, 'squiggle on the guard line', async () => {
      const opened = await quickOpen(page, 'main.rs');
      await page.locator(`${EDITOR} .view-lines`, { hasText: 'bump' }).first().waitFor({ timeout: STEP_TIMEOUT });
      const shown = Date.now();
      await page
        .locator(SQUIGGLE)
        .first()
        .waitFor({ state: 'attached', timeout: STEP_TIMEOUT })
        .catch((error: Error) => {
          // In Restricted Mode VS Code keeps an extension disabled unless package.json declares capabilities.untrustedWorkspaces.supported.
          throw new Error(`no squiggle (is the extension enabled in Restricted Mode? see the VS Code logs): ${error.message}`);
        });
      const squiggled = Date.now();
      console.log(`time from opening main.rs to the first squiggle: ${squiggled - opened} ms (text on screen after ${shown - opened} ms)`);
      assert.deepEqual(await squiggledLines(page), [expected.guardLineText]);
    });

    await step(t, s, 'hover shows the explanation', async () => {
      const at = await squiggleCenter(page);
      await page.mouse.move(at.x - 30, at.y);
      await page.mouse.move(at.x, at.y, { steps: 5 });
      const hover = page.locator('.monaco-hover', { hasText: RULE }).first();
      await hover.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
      // The marker part shows first; our server's hover (with the explanation) joins it when it answers.
      const explained = page.locator('.monaco-hover', { hasText: explanationSentence(RULE) }).first();
      await explained.waitFor({ state: 'visible', timeout: 15_000 }).catch(async () => {
        assert.fail(`hover lacks the explanation "${explanationSentence(RULE)}": ${((await hover.textContent()) ?? '').slice(0, 600)}`);
      });
      const text = (await explained.textContent()) ?? '';
      assert.ok(text.includes(expected.finding.message.replace(/`/g, '')) || text.includes(expected.finding.message), `hover lacks the message: ${text.slice(0, 400)}`);
      await scrollHoverToExplanation(page, explanationSentence(RULE));
    });

    await step(t, s, 'quick-fix menu lists our fixes', async () => {
      await page.keyboard.press('Escape');
      const at = await squiggleCenter(page);
      await page.mouse.click(at.x, at.y);
      await page.keyboard.press('Control+.');
      const menu = page.locator('.action-widget').first();
      await menu.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
      for (const title of expected.fixTitles) {
        await page.locator('.action-widget .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
      }
    });

    await step(t, s, 'preferred fix applied and squiggle gone', async () => {
      await page.locator('.action-widget .monaco-list-row', { hasText: expected.preferred.title }).first().click();
      const deadline = Date.now() + STEP_TIMEOUT;
      while ((await editorText(page)) !== expected.fixedText && Date.now() < deadline) await page.waitForTimeout(100);
      assert.equal(await editorText(page), expected.fixedText, 'the editor text after the preferred fix');
      await page.locator(SQUIGGLE).first().waitFor({ state: 'detached', timeout: STEP_TIMEOUT });
    });

    await step(t, s, 'undo brings the squiggle back, redo removes it', async () => {
      await page.keyboard.press('Control+Z');
      const undone = Date.now();
      await page.locator(SQUIGGLE).first().waitFor({ state: 'attached', timeout: STEP_TIMEOUT });
      console.log(`time from an edit (undo) to its squiggle, server warm: ${Date.now() - undone} ms`);
      assert.deepEqual(await squiggledLines(page), [expected.guardLineText]);
      await page.keyboard.press('Control+Shift+Z');
      await page.locator(SQUIGGLE).first().waitFor({ state: 'detached', timeout: STEP_TIMEOUT });
      assert.equal(await editorText(page), expected.fixedText);
    });

    await step(t, s, 'Problems panel lists the never-opened file', async () => {
      await page.keyboard.press('Control+Shift+M');
      const panel = page.locator('.markers-panel').first();
      await panel.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
      await page.locator('.markers-panel .monaco-list-row', { hasText: path.basename(ws.other) }).first().waitFor({ timeout: STEP_TIMEOUT });
      const rows = (await page.locator('.markers-panel .monaco-list-row').allInnerTexts()).join('\n');
      for (const finding of expected.unopened) {
        assert.ok(rows.includes(finding.message), `Problems panel lacks "${finding.message}":\n${rows}`);
      }
      // The fixed file's entry is gone from the panel too, not only its squiggle.
      await page.locator('.markers-panel .monaco-list-row', { hasText: expected.finding.message }).first().waitFor({ state: 'detached', timeout: 15_000 });
      await restrictedModeShown(page);
    });
  } finally {
    await closeWithin(browser, 15_000);
    await server.stop();
    fs.rmSync(ws.root, { recursive: true, force: true });
    console.log(`screenshots:\n${s.shots.map((p) => `  ${p}`).join('\n')}`);
  }
});
