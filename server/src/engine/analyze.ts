// The engine's entry: parse, collect facts, run rules per function (cached), per file and per workspace.
import { parse, Edit, type Tree } from './parser';
import { LineIndex } from './text';
import { collectFacts } from './resolve/facts';
import { Workspace } from './workspace';
import { looseFileCrate, type CrateInfo } from './crate';
import type { SourceFile } from './source';
import { defaultSettings, type EngineSettings, type Finding, type Report, type Rule } from './rule';
import { functionItems, implHeader } from './syntax';
import { isSuppressed } from './suppress';
import { rules as allRules } from '../rules';

export interface FileResult {
  path: string;
  findings: Finding[];
  /** Why the file was not analysed (too large, binary, parse timed out). */
  skipped?: string;
}

export interface ContentChange {
  /** Offsets in the text before this change, UTF-16 code units. */
  start: number;
  end: number;
  text: string;
}

type Cached = { key: string; findings: Finding[] };

/** Findings of one function, stored relative to its start so they survive edits elsewhere in the file. */
function shiftFinding(f: Finding, path: string, delta: number): Finding {
  const move = <T extends { start: number; end: number }>(r: T): T => ({ ...r, start: r.start + delta, end: r.end + delta });
  return {
    ...f,
    range: move(f.range),
    related: f.related.map((r) => (r.path === path ? { ...r, range: move(r.range) } : r)),
    fixes: f.fixes.map((fix) => ({
      ...fix,
      edits: fix.edits.map((fe) => (fe.path === path ? { ...fe, edits: fe.edits.map(move) } : fe)),
      select: fix.select && fix.select.path === path ? move(fix.select) : fix.select,
    })),
  };
}

/** True when every offset a finding carries lies inside [start, end): then it can be cached by the function's text. */
function localTo(f: Finding, path: string, start: number, end: number): boolean {
  const inside = (r: { start: number; end: number }) => r.start >= start && r.end <= end;
  return (
    inside(f.range) &&
    f.related.every((r) => r.path === path && inside(r.range)) &&
    f.fixes.every((fix) => fix.edits.every((fe) => fe.path === path && fe.edits.every(inside)))
  );
}

const MAX_CACHED_FUNCTIONS = 4096;

function trimCache(cache: Map<string, Cached>): void {
  while (cache.size > MAX_CACHED_FUNCTIONS) cache.delete(cache.keys().next().value!);
}

export class Engine {
  readonly workspace = new Workspace();
  settings: EngineSettings = { ...defaultSettings };
  private settingsVersion = 0;
  private workspaceFindingsCache: { version: string; byPath: Map<string, Finding[]> } | undefined;
  /** Called when a rule throws: the rule is skipped for that function, the run goes on. */
  onRuleError: (ruleId: string, path: string, error: unknown) => void = () => {};

  constructor(readonly rules: Rule[] = allRules) {}

  updateSettings(settings: Partial<EngineSettings>): void {
    this.settings = { ...this.settings, ...settings };
    this.settingsVersion++;
    this.workspaceFindingsCache = undefined;
  }

  /** A stamp that changes whenever cached results may be stale. */
  get stamp(): string {
    return `${this.workspace.version}:${this.settingsVersion}`;
  }

  enabledRules(): Rule[] {
    return this.rules.filter((r) => this.settings.rules[r.id]?.enabled !== false);
  }

  /** Why a text cannot be analysed, or undefined when it can. */
  rejectText(text: string): string | undefined {
    if (text.length > this.settings.maxFileBytes) return `skipped: ${text.length} characters is over the size limit (blindspot.maxFileSize = ${this.settings.maxFileBytes})`;
    if (text.includes('\u0000')) return 'skipped: binary file (contains NUL bytes)';
    return undefined;
  }

  parseText(text: string, oldTree?: Tree | null): Tree | null {
    return parse(text, oldTree, { timeoutMs: this.settings.parseTimeoutMs });
  }

  /** `lines` when the caller already has them for `text` (an open document does: no rebuild per keystroke). */
  makeSource(path: string, text: string, tree: Tree, crate: CrateInfo, lines = new LineIndex(text)): SourceFile {
    const root = tree.rootNode;
    return { path, text, tree, root, lines, crate, facts: collectFacts(root) };
  }

  /** Records a file's cross-file facts without analysing it (first pass of a workspace scan). */
  indexText(path: string, text: string): string | undefined {
    const rejected = this.rejectText(text);
    if (rejected) return rejected;
    const tree = this.parseText(text);
    if (!tree) return `skipped: parsing took longer than ${this.settings.parseTimeoutMs} ms`;
    try {
      const file = this.makeSource(path, text, tree, looseFileCrate);
      this.workspace.setFacts(path, file.facts);
      this.collectRuleData(file);
    } finally {
      tree.delete();
    }
    return undefined;
  }

  /** Parses, analyses and releases the tree: the CLI's path. */
  checkText(path: string, text: string, crate: CrateInfo = looseFileCrate): FileResult {
    const rejected = this.rejectText(text);
    if (rejected) return { path, findings: [], skipped: rejected };
    const tree = this.parseText(text);
    if (!tree) return { path, findings: [], skipped: `skipped: parsing took longer than ${this.settings.parseTimeoutMs} ms` };
    try {
      const file = this.makeSource(path, text, tree, crate);
      this.workspace.setFacts(path, file.facts);
      return { path, findings: this.analyze(file) };
    } finally {
      tree.delete();
    }
  }

  /** Runs every enabled rule on a parsed file; `cache` keeps per-function results between calls. */
  analyze(file: SourceFile, cache?: Map<string, Cached>): Finding[] {
    const rules = this.enabledRules();
    const findings: Finding[] = [];
    // First: new rule data may bump the workspace version, which the per-function cache keys must already see.
    this.collectRuleData(file);
    const stamp = `${this.stamp}:${file.crate.edition}:${[...file.crate.dependencies].join(',')}`;
    for (const { fn, impl, prevEnd } of functionItems(file.root)) {
      const fnText = fn.text;
      const key = `${stamp}\u0000${implHeader(impl, file.text)}\u0000${file.text.slice(prevEnd, fn.startIndex)}\u0000${fnText}`;
      const hit = cache?.get(key);
      if (hit) {
        findings.push(...hit.findings.map((f) => shiftFinding(f, file.path, fn.startIndex)));
        continue;
      }
      const own: Finding[] = [];
      for (const rule of rules) {
        if (!rule.checkFunction || (rule.mentions && !rule.mentions.some((word) => fnText.includes(word)))) continue;
        this.runRule(rule, file, own, (ctx) => rule.checkFunction!({ ...ctx, fn, impl }));
      }
      findings.push(...own);
      if (cache && own.every((f) => localTo(f, file.path, fn.startIndex, fn.endIndex))) {
        cache.set(key, { key, findings: own.map((f) => shiftFinding(f, file.path, -fn.startIndex)) });
      }
    }
    if (cache) trimCache(cache);
    for (const rule of rules) {
      if (rule.checkFile) this.runRule(rule, file, findings, (ctx) => rule.checkFile!(ctx));
    }
    findings.push(...(this.workspaceFindings().get(file.path) ?? []));
    return this.finish(file, findings);
  }

  /** Refreshes the file's data for workspace rules (before workspace findings are read). */
  private collectRuleData(file: SourceFile): void {
    for (const rule of this.enabledRules()) {
      if (!rule.collectFileData) continue;
      try {
        this.workspace.setRuleData(file.path, rule.id, rule.collectFileData({ file, workspace: this.workspace, settings: this.settings, report: () => {} }));
      } catch (error) {
        this.onRuleError(rule.id, file.path, error);
      }
    }
  }

  private runRule(rule: Rule, file: SourceFile, out: Finding[], run: (ctx: import('./rule').RuleContext) => void): void {
    const report = (r: Report) => out.push(this.toFinding(rule, file.path, r));
    try {
      run({ file, workspace: this.workspace, settings: this.settings, report });
    } catch (error) {
      this.onRuleError(rule.id, file.path, error);
    }
  }

  private toFinding(rule: Rule, path: string, r: Report): Finding {
    return {
      ruleId: rule.id,
      severity: this.settings.rules[rule.id]?.severity ?? r.severity ?? rule.severity,
      path,
      range: r.range,
      message: r.message,
      related: r.related ?? [],
      fixes: r.fixes ?? [],
      notes: r.notes ?? [],
    };
  }

  /** Findings of workspace-wide rules (type graphs, lock orders), recomputed only when facts change. */
  workspaceFindings(): Map<string, Finding[]> {
    const version = `${this.workspace.version}:${this.workspace.dataVersion}`;
    if (this.workspaceFindingsCache?.version === version) return this.workspaceFindingsCache.byPath;
    const byPath = new Map<string, Finding[]>();
    for (const rule of this.enabledRules()) {
      if (!rule.checkWorkspace) continue;
      try {
        rule.checkWorkspace({
          workspace: this.workspace,
          settings: this.settings,
          report: (path, r) => {
            const list = byPath.get(path) ?? [];
            list.push(this.toFinding(rule, path, r));
            byPath.set(path, list);
          },
        });
      } catch (error) {
        this.onRuleError(rule.id, '<workspace>', error);
      }
    }
    this.workspaceFindingsCache = { version, byPath };
    return byPath;
  }

  /** Drops suppressed findings and sorts by position. */
  private finish(file: SourceFile, findings: Finding[]): Finding[] {
    const ruleById = new Map(this.rules.map((r) => [r.id, r]));
    return findings
      .filter((f) => !isSuppressed(file, f.ruleId, ruleById.get(f.ruleId)?.clippyLints ?? [], f.range.start))
      .sort((a, b) => a.range.start - b.range.start || a.ruleId.localeCompare(b.ruleId));
  }

  openDocument(path: string, text: string, crate: CrateInfo = looseFileCrate): EngineDocument {
    return new EngineDocument(this, path, text, crate);
  }
}

/** An open document: keeps its tree for incremental re-parsing and its per-function cache. Call dispose() on close. */
export class EngineDocument {
  private tree: Tree | null = null;
  private dirty = true;
  private readonly cache = new Map<string, Cached>();
  private lines: LineIndex;

  constructor(private readonly engine: Engine, readonly path: string, public text: string, public crate: CrateInfo) {
    this.lines = new LineIndex(text);
  }

  /** Applies edits in order; the tree is edited to match so the next parse is incremental. */
  applyChanges(changes: ContentChange[]): void {
    for (const c of changes) {
      const start = Math.max(0, Math.min(c.start, this.text.length));
      const end = Math.max(start, Math.min(c.end, this.text.length));
      const newText = this.text.slice(0, start) + c.text + this.text.slice(end);
      if (this.tree) {
        const startPosition = this.lines.positionAt(start);
        const oldEndPosition = this.lines.positionAt(end);
        const newLines = new LineIndex(newText);
        const newEndPosition = newLines.positionAt(start + c.text.length);
        this.tree.edit(new Edit({
          startIndex: start,
          oldEndIndex: end,
          newEndIndex: start + c.text.length,
          startPosition: { row: startPosition.line, column: startPosition.character },
          oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
          newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
        }));
        this.lines = newLines;
      } else {
        this.lines = new LineIndex(newText);
      }
      this.text = newText;
    }
    this.dirty = true;
  }

  setText(text: string): void {
    this.text = text;
    this.lines = new LineIndex(text);
    this.tree?.delete();
    this.tree = null;
    this.dirty = true;
  }

  /** Re-parses (incrementally when possible) and analyses. */
  analyze(): FileResult {
    const rejected = this.engine.rejectText(this.text);
    if (rejected) {
      this.tree?.delete();
      this.tree = null;
      return { path: this.path, findings: [], skipped: rejected };
    }
    if (this.dirty || !this.tree) {
      const next = this.engine.parseText(this.text, this.tree);
      if (!next) return { path: this.path, findings: [], skipped: `skipped: parsing took longer than ${this.engine.settings.parseTimeoutMs} ms` };
      this.tree?.delete();
      this.tree = next;
      this.dirty = false;
    }
    const file = this.engine.makeSource(this.path, this.text, this.tree, this.crate, this.lines);
    this.engine.workspace.setFacts(this.path, file.facts);
    return { path: this.path, findings: this.engine.analyze(file, this.cache) };
  }

  /** The current tree, parsed if needed; owned by the document (do not delete). */
  currentTree(): Tree | null {
    if (this.dirty || !this.tree) this.analyze();
    return this.tree;
  }

  get lineIndex(): LineIndex {
    return this.lines;
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = null;
    this.cache.clear();
  }
}
