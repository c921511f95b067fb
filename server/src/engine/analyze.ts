// The engine's entry: parse, collect facts, run rules per function (cached), per file and per workspace.
import { parse, readTreeFrom, Edit, type Node, type Tree } from './parser';
import { LineIndex, renderLineMarks } from './text';
import { PieceText, sameText, type TextSource } from './piece-text';
import { collectFacts, type FileFacts } from './resolve/facts';
import { Workspace } from './workspace';
import { looseFileCrate, type CrateInfo } from './crate';
import { cacheableFunction, type SourceFile } from './source';
import { defaultSettings, type BodyEdit, type EngineSettings, type Finding, type Report, type Rule, type RuleData } from './rule';
import { functionContext, functionItems, nestsDeeperThan } from './syntax';
import {
  bodyEdit, editedFunction, itemFunctionAt, mapFacts, mapFinding, previousItemEnd, widenWindow,
  type DirtyWindow, type EditedFunction, type FunctionFindings, type Snapshot,
} from './incremental';
import { isSuppressed } from './suppress';
import { parseEditedFunction, sameFunctionIn, type FunctionParse } from './function-parse';
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

/** The edited function; a function parsed alone brings the `prevEnd` and `context` the file's tree gives (see FunctionItem). */
type BodyTarget = { fn: Node; impl: Node | null; prevEnd?: number; context?: string };

/** Findings of one function, stored relative to its start so they survive edits elsewhere in the file. */
function shiftFinding(f: Finding, path: string, delta: number): Finding {
  return mapFinding(f, path, (offset) => offset + delta);
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
/** What every `// blindspot: allow(…)` comment contains. */
const ALLOW_MARK = 'blindspot';

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

  private readonly ruleById: Map<string, Rule>;

  constructor(readonly rules: Rule[] = allRules) {
    this.ruleById = new Map(rules.map((r) => [r.id, r]));
  }

  updateSettings(settings: Partial<EngineSettings>): void {
    this.settings = { ...this.settings, ...settings };
    this.settingsVersion++;
    this.workspaceFindingsCache = undefined;
  }

  /** A stamp that changes whenever cached results may be stale. */
  get stamp(): string {
    return `${this.workspace.factsKey}:${this.settingsVersion}`;
  }

  enabledRules(): Rule[] {
    return this.rules.filter((r) => this.settings.rules[r.id]?.enabled !== false);
  }

  /** Why a text cannot be analysed, or undefined when it can. */
  rejectText(text: TextSource): string | undefined {
    if (text.length > this.settings.maxFileBytes) return `skipped: ${text.length} characters is over the size limit (blindspot.maxFileSize = ${this.settings.maxFileBytes})`;
    if (text.includes('\u0000')) return 'skipped: binary file (contains NUL bytes)';
    return undefined;
  }

  parseText(text: TextSource, oldTree?: Tree | null): Tree | null {
    return parse(text, oldTree, { timeoutMs: this.settings.parseTimeoutMs });
  }

  /** `lines` when the caller already has them for `text` (an open document does: no rebuild per keystroke). */
  makeSource(path: string, text: TextSource, tree: Tree, crate: CrateInfo, lines = new LineIndex(text), facts?: FileFacts): SourceFile {
    const root = tree.rootNode;
    return { path, text, tree, root, lines, crate, facts: facts ?? collectFacts(root) };
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

  /**
   * Parses, analyses and releases the tree: the CLI's path. `once`: a file on disk checked once, as in a scan's
   * second pass (see EngineSettings.checkedOnce), whatever the engine's own settings say.
   */
  checkText(path: string, text: string, crate: CrateInfo = looseFileCrate, once = false): FileResult {
    if (once && !this.settings.checkedOnce) return this.withSettings({ checkedOnce: true }, () => this.checkText(path, text, crate));
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

  /** Runs `run` with some settings changed (not a settings update: no cache goes stale). */
  private withSettings<T>(patch: Partial<EngineSettings>, run: () => T): T {
    const saved = this.settings;
    this.settings = { ...saved, ...patch };
    try {
      return run();
    } finally {
      this.settings = saved;
    }
  }

  /** Runs every enabled rule on a parsed file; `cache` keeps per-function results between calls. */
  analyze(file: SourceFile, cache?: Map<string, Cached>): Finding[] {
    return this.analyzeFull(file, cache).findings;
  }

  /** Every rule on the whole file; also returns what the next keystroke's fast path reuses. */
  analyzeFull(file: SourceFile, cache?: Map<string, Cached>): { findings: Finding[]; snapshot: Snapshot } {
    const rules = this.enabledRules();
    // First: new rule data may bump the workspace version, which the per-function cache keys must already see.
    const ruleData = this.collectRuleData(file);
    const functions: FunctionFindings[] = [];
    for (const { fn, impl, prevEnd, context } of functionItems(file.root)) {
      const entry = this.checkFunctionItem(file, fn, impl, prevEnd, rules, cache, context);
      if (entry.findings.length || !entry.local) functions.push(entry);
    }
    if (cache) trimCache(cache);
    const fileFindings = this.fileRuleFindings(file, rules);
    const snapshot: Snapshot = { stamp: this.stampFor(file), functions, fileFindings, fileStates: this.fileStates(file, rules), ruleData, facts: file.facts };
    return { findings: this.assemble(file, snapshot), snapshot };
  }

  /**
   * Typing inside one function body: that function is re-analysed, everything else is moved from `previous`.
   * Undefined when a rule cannot tell what the edit changed: the caller then analyses the whole file.
   */
  analyzeBodyEdit(file: SourceFile, previous: Snapshot, target: BodyTarget, edit: BodyEdit, cache: Map<string, Cached>): { findings: Finding[]; snapshot: Snapshot } | undefined {
    if (this.stampFor(file) !== previous.stamp) return undefined;
    const rules = this.enabledRules();
    const ruleData = this.updateRuleData(file, previous, target, edit, rules);
    // Rule data that changed what other files see bumped the version: every cached result is stale.
    if (!ruleData || this.stampFor(file) !== previous.stamp) return undefined;
    const functions = this.refreshFunctions(file, previous.functions, target, edit, rules, cache);
    const fileFindings = new Map<string, Finding[]>();
    for (const rule of rules) if (rule.checkFile) fileFindings.set(rule.id, this.updateFileFindings(rule, file, previous, target, edit));
    const snapshot: Snapshot = { stamp: previous.stamp, functions, fileFindings, fileStates: this.fileStates(file, rules), ruleData, facts: file.facts };
    return { findings: this.assemble(file, snapshot), snapshot };
  }

  /**
   * A text analysed before (typing a brace, then deleting it): its facts, rule data and file rules' state stored
   * again and all its findings reused when that brings back the stamp they were computed under. Undefined when the
   * stamp differs: the caller then analyses the whole file.
   */
  restoreSnapshot(file: SourceFile, snapshot: Snapshot): { findings: Finding[]; snapshot: Snapshot } | undefined {
    const rules = this.enabledRules();
    if (rules.some((rule) => rule.collectFileData && !snapshot.ruleData.has(rule.id))) return undefined;
    this.workspace.setFacts(file.path, snapshot.facts);
    for (const [ruleId, entry] of snapshot.ruleData) this.workspace.setRuleData(file.path, ruleId, entry);
    if (this.stampFor(file) !== snapshot.stamp) return undefined;
    const ctx = this.fileContext(file);
    for (const rule of rules) {
      if (!rule.checkFile || !rule.fileState) continue;
      // A rule whose state was not saved (it threw): the whole file is analysed again.
      if (!snapshot.fileStates.has(rule.id)) return undefined;
      try {
        rule.fileState.restore(ctx, snapshot.fileStates.get(rule.id));
      } catch (error) {
        this.onRuleError(rule.id, file.path, error);
        return undefined;
      }
    }
    return { findings: this.assemble(file, snapshot), snapshot };
  }

  /** Each file rule's per-file state as it is now (Rule.fileState). */
  private fileStates(file: SourceFile, rules: Rule[]): Map<string, unknown> {
    const states = new Map<string, unknown>();
    const ctx = this.fileContext(file);
    for (const rule of rules) {
      if (!rule.checkFile || !rule.fileState) continue;
      try {
        states.set(rule.id, rule.fileState.save(ctx));
      } catch (error) {
        this.onRuleError(rule.id, file.path, error);
      }
    }
    return states;
  }

  private fileContext(file: SourceFile): import('./rule').RuleContext {
    return { file, workspace: this.workspace, settings: this.settings, report: () => {} };
  }

  /** Every file rule's findings, run on the whole file. */
  private fileRuleFindings(file: SourceFile, rules: Rule[]): Map<string, Finding[]> {
    const fileFindings = new Map<string, Finding[]>();
    for (const rule of rules) {
      if (!rule.checkFile) continue;
      const own: Finding[] = [];
      this.runRule(rule, file, own, (ctx) => rule.checkFile!(ctx));
      fileFindings.set(rule.id, this.unsuppressed(file, own));
    }
    return fileFindings;
  }

  /** Workspace rules' data of this file, updated for the edited function; undefined when a rule cannot (or throws). */
  private updateRuleData(file: SourceFile, previous: Snapshot, target: { fn: Node; impl: Node | null }, edit: BodyEdit, rules: Rule[]): Map<string, RuleData> | undefined {
    const ctx = { file, workspace: this.workspace, settings: this.settings, report: () => {}, fn: target.fn, impl: target.impl };
    const updates: { rule: Rule; entry: RuleData; unchanged: boolean }[] = [];
    for (const rule of rules) {
      if (!rule.collectFileData) continue;
      const before = previous.ruleData.get(rule.id);
      let update: ReturnType<NonNullable<Rule['updateFileData']>>;
      try {
        update = before && rule.updateFileData?.(ctx, before, edit);
      } catch (error) {
        this.onRuleError(rule.id, file.path, error);
      }
      if (!update) return undefined;
      updates.push({ rule, ...update });
    }
    // Moved data replaces the stored data silently only if nothing else (a scan) stored other data meanwhile.
    const current = (u: { rule: Rule }) => this.workspace.ruleDataEntry(file.path, u.rule.id) === previous.ruleData.get(u.rule.id);
    const allMoved = updates.every((u) => u.unchanged && current(u));
    const ruleData = new Map<string, RuleData>();
    for (const { rule, entry } of updates) {
      ruleData.set(rule.id, entry);
      if (allMoved) this.workspace.replaceRuleData(file.path, rule.id, entry);
      else this.workspace.setRuleData(file.path, rule.id, entry);
    }
    if (allMoved) this.moveWorkspaceFindings(file.path, edit);
    return ruleData;
  }

  /** A file rule's findings after an edit in one function: re-reported there and moved elsewhere, or all recomputed. */
  private updateFileFindings(rule: Rule, file: SourceFile, previous: Snapshot, target: { fn: Node; impl: Node | null }, edit: BodyEdit): Finding[] {
    const kept = previous.fileFindings.get(rule.id);
    const fresh: Finding[] = [];
    let updated = false;
    if (kept && rule.updateFileFindings) this.runRule(rule, file, fresh, (c) => (updated = rule.updateFileFindings!({ ...c, fn: target.fn, impl: target.impl }, edit)));
    if (kept && updated) {
      const outside = kept.filter((f) => f.range.start < target.fn.startIndex || f.range.start >= edit.oldFnEnd);
      return [...outside.map((f) => mapFinding(f, file.path, edit.map, edit.oldEnd)), ...this.unsuppressed(file, fresh)];
    }
    const own: Finding[] = [];
    this.runRule(rule, file, own, (c) => rule.checkFile!(c));
    return this.unsuppressed(file, own);
  }

  /** The edited function re-analysed, findings that reach outside their function recomputed, the rest moved. */
  private refreshFunctions(file: SourceFile, previous: FunctionFindings[], target: BodyTarget, edit: BodyEdit, rules: Rule[], cache: Map<string, Cached>): FunctionFindings[] {
    const out: FunctionFindings[] = [];
    const start = target.fn.startIndex;
    const add = (entry: FunctionFindings) => {
      if (entry.findings.length || !entry.local) out.push(entry);
    };
    let placed = false;
    const placeTarget = () => {
      placed = true;
      add(this.checkFunctionItem(file, target.fn, target.impl, target.prevEnd ?? previousItemEnd(target.fn), rules, cache, target.context));
    };
    for (const entry of previous) {
      if (!placed && entry.start >= start) placeTarget();
      if (entry.start === start) continue;
      if (entry.local) {
        // A function wholly before the edit keeps its entry: nothing in it moves.
        if (entry.end < edit.oldEnd && entry.findings.every((f) => mapFinding(f, file.path, edit.map, edit.oldEnd) === f)) out.push(entry);
        else out.push({ start: edit.map(entry.start), end: edit.map(entry.end), local: true, findings: entry.findings.map((f) => mapFinding(f, file.path, edit.map, edit.oldEnd)) });
        continue;
      }
      const again = this.functionAt(file.root, edit.map(entry.start));
      if (again) add(this.checkFunctionItem(file, again.fn, again.impl, previousItemEnd(again.fn), rules, cache));
    }
    if (!placed) placeTarget();
    if (cache) trimCache(cache);
    return out;
  }

  /** The item-level function starting at `start` in the current tree. */
  private functionAt(root: Node, start: number): { fn: Node; impl: Node | null } | undefined {
    const found = itemFunctionAt(root, start, start);
    return found?.fn.startIndex === start ? found : undefined;
  }

  /** One function's checkFunction findings, from the per-function cache when its text (and context) is unchanged. */
  private checkFunctionItem(file: SourceFile, fn: Node, impl: Node | null, prevEnd: number, rules: Rule[], cache?: Map<string, Cached>, context?: string): FunctionFindings {
    const fnText = fn.text;
    const start = fn.startIndex;
    const end = fn.endIndex;
    const key = cache && `${this.stampFor(file)}\u0000${context ?? functionContext(fn, impl, file.text)}\u0000${file.text.slice(prevEnd, start)}\u0000${fnText}`;
    const hit = key ? cache.get(key) : undefined;
    if (hit) return { start, end, local: true, findings: this.unsuppressed(file, hit.findings.map((f) => shiftFinding(f, file.path, start))) };
    const own: Finding[] = [];
    for (const rule of rules) {
      if (!rule.checkFunction || (rule.mentions && !rule.mentions.some((word) => fnText.includes(word)))) continue;
      this.runRule(rule, file, own, (ctx) => rule.checkFunction!({ ...ctx, fn, impl }));
    }
    const local = own.every((f) => localTo(f, file.path, start, end));
    if (key && local && cacheableFunction(file, fn)) cache!.set(key, { key, findings: own.map((f) => shiftFinding(f, file.path, -start)) });
    return { start, end, local, findings: this.unsuppressed(file, own) };
  }

  private stampFor(file: SourceFile): string {
    return `${this.stamp}:${file.crate.edition}:${[...file.crate.dependencies].join(',')}`;
  }

  /**
   * All findings of a snapshot (suppressions applied as they were computed: an edit inside one function body
   * cannot change another's) plus the workspace rules' findings in this file.
   */
  private assemble(file: SourceFile, snapshot: Snapshot): Finding[] {
    const findings: Finding[] = [];
    for (const entry of snapshot.functions) findings.push(...entry.findings);
    for (const list of snapshot.fileFindings.values()) findings.push(...list);
    findings.push(...this.unsuppressed(file, this.workspaceFindings().get(file.path) ?? []));
    return this.finish(file, findings);
  }

  /**
   * Typing moved this file's text but changed no rule data: workspace findings move with it, unrecomputed, in every
   * file (a finding elsewhere may relate to this file or carry a fix that edits it). A file's list stays the same
   * object when nothing in it moved (the server compares them after every keystroke).
   */
  private moveWorkspaceFindings(path: string, edit: BodyEdit): void {
    const cached = this.workspaceFindingsCache;
    if (!cached || cached.version !== `${this.workspace.version}:${this.workspace.dataVersion}`) return;
    for (const [file, list] of cached.byPath) {
      const moved = list.map((f) => mapFinding(f, path, edit.map, edit.oldEnd));
      if (moved.some((f, i) => f !== list[i])) cached.byPath.set(file, moved);
    }
  }

  /** Refreshes the file's data for workspace rules (before workspace findings are read). */
  private collectRuleData(file: SourceFile): Map<string, RuleData> {
    const collected = new Map<string, RuleData>();
    for (const rule of this.enabledRules()) {
      if (!rule.collectFileData) continue;
      try {
        const entry = rule.collectFileData({ file, workspace: this.workspace, settings: this.settings, report: () => {} });
        this.workspace.setRuleData(file.path, rule.id, entry);
        collected.set(rule.id, entry);
      } catch (error) {
        this.onRuleError(rule.id, file.path, error);
      }
    }
    return collected;
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

  /** Drops every rule's results cached by a function's text (see Rule.forgetFunctionCaches). */
  forgetFunctionCaches(): void {
    for (const rule of this.rules) rule.forgetFunctionCaches?.();
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

  private unsuppressed(file: SourceFile, findings: Finding[]): Finding[] {
    if (!findings.length) return findings;
    return findings.filter((f) => !isSuppressed(file, f.ruleId, this.ruleById.get(f.ruleId)?.clippyLints ?? [], f.range.start));
  }

  /** Line marks rendered, sorted by position. */
  private finish(file: SourceFile, findings: Finding[]): Finding[] {
    return findings
      .map((f) => ({ ...f, message: renderLineMarks(f.message, file.lines), notes: f.notes.map((n) => renderLineMarks(n, file.lines)) }))
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
  /** The last analysis, and where the text changed since (both unset: the next analysis reads the whole file). */
  private snapshot: Snapshot | undefined;
  private analysedText: TextSource | undefined;
  private window: DirtyWindow | undefined;
  /**
   * The analysis a whole-file analysis replaced, with its text: an edit that broke the parse outside one function
   * (a stray brace) is usually undone next, and the undo brings back that very text.
   */
  private beforeFile: { text: TextSource; snapshot: Snapshot; tree: Tree | null } | undefined;
  /**
   * The tree as last analysed, copied (tree-sitter shares its nodes) before the first edit after an analysis: kept in
   * beforeFile when that edit goes to a whole-file analysis, so its undo needs no re-parse.
   */
  private analysedTree: Tree | null = null;
  /** What the last analysis re-read: one edited function (the typing fast path), the whole file, or an earlier text's analysis. */
  lastScope: 'function' | 'file' | 'restored' = 'file';
  /** What the last analysis parsed: the edited function alone (the file's parse waits for settle), or the whole file. */
  lastParse: 'function' | 'file' = 'file';
  /**
   * The edited function parsed on its own by the last analysis (function-parse.ts), until the whole file is parsed
   * again: `tree` then has every edit since its last parse, unparsed, all inside that function's body, which ends at
   * `parsedBodyEnd` in the current text.
   */
  private functionParse: FunctionParse | undefined;
  private parsedBodyEnd = 0;
  /** Where the text changed since `tree` was last parsed (a wider window than `window` while functionParse waits). */
  private unparsed: DirtyWindow | undefined;
  /** The text was checked and has no NUL byte (see rejectText). */
  private knownTextFree = false;

  /** The text in pieces: a keystroke copies one piece, not the whole text (see PieceText). */
  private source: PieceText;

  constructor(private readonly engine: Engine, readonly path: string, text: string, public crate: CrateInfo) {
    this.source = PieceText.of(text);
    this.lines = new LineIndex(this.source);
  }

  /** The whole text (joined once per version when asked for). */
  get text(): string {
    return this.source.toString();
  }

  /** Applies edits in order; the tree is edited to match so the next parse is incremental. */
  applyChanges(changes: ContentChange[]): void {
    if (this.tree && !this.dirty && this.snapshot && !this.analysedTree && changes.length) this.analysedTree = this.tree.copy();
    for (const c of changes) {
      const start = Math.max(0, Math.min(c.start, this.source.length));
      const end = Math.max(start, Math.min(c.end, this.source.length));
      // An edit outside the function parsed alone: the whole file is parsed first, so the tree is stale in one place only.
      if (this.functionParse && !(this.functionParse.target.fn.childForFieldName('body')!.startIndex < start && end < this.parsedBodyEnd)) this.catchUp();
      if (this.functionParse) this.parsedBodyEnd += c.text.length - (end - start);
      const newText = this.source.edited(start, end, c.text);
      const newLines = this.lines.edited(start, end, c.text, newText);
      if (this.tree) {
        const startPosition = this.lines.positionAt(start);
        const oldEndPosition = this.lines.positionAt(end);
        const newEndPosition = newLines.positionAt(start + c.text.length);
        this.tree.edit(new Edit({
          startIndex: start,
          oldEndIndex: end,
          newEndIndex: start + c.text.length,
          startPosition: { row: startPosition.line, column: startPosition.character },
          oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
          newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
        }));
      }
      this.lines = newLines;
      this.source = newText;
      this.window = widenWindow(this.window, start, end, c.text.length);
      this.unparsed = widenWindow(this.unparsed, start, end, c.text.length);
      if (c.text.includes('\u0000')) this.knownTextFree = false;
    }
    if (this.tree) readTreeFrom(this.tree, this.source);
    this.dirty = true;
  }

  setText(text: string): void {
    this.source = PieceText.of(text);
    this.knownTextFree = false;
    this.lines = new LineIndex(this.source);
    this.forgetSnapshot();
    this.tree?.delete();
    this.tree = null;
    this.dirty = true;
  }

  /**
   * Re-parses and analyses: only the edited function when the edit stayed in one body. That function is then parsed
   * on its own, and the whole file's re-parse waits for settle() (or the next edit elsewhere).
   */
  analyze(): FileResult {
    const rejected = this.rejectText();
    if (rejected) {
      this.forgetSnapshot();
      this.tree?.delete();
      this.tree = null;
      return { path: this.path, findings: [], skipped: rejected };
    }
    let edited: EditedFunction | undefined;
    const before = this.beforeFile;
    if (this.dirty && before?.tree && sameText(before.text, this.source)) {
      // An undo back to the text before the last whole-file analysis: its tree, kept unedited, is this text's.
      this.closeFunctionParse(null);
      this.tree?.delete();
      this.tree = before.tree;
      before.tree = null;
      this.dirty = false;
      this.unparsed = undefined;
    }
    this.lastParse = 'file';
    if (this.dirty || !this.tree) {
      edited = this.parseFunctionAlone();
      if (!edited) {
        const parsed = this.parseWholeFile();
        if (!parsed) return this.parseTimedOut();
        edited = parsed.edited;
      }
    }
    let fast = edited && this.analyzeEdit(edited);
    // The function's own parse could not be used after all: the whole file is parsed for the full analysis.
    if (!fast && this.functionParse) {
      if (!this.parseWholeFile()) return this.parseTimedOut();
      this.lastParse = 'file';
    }
    const restored = fast ? undefined : this.analyzeRestored();
    this.lastScope = fast ? 'function' : restored ? 'restored' : 'file';
    const findings = fast ?? restored ?? this.analyzeAll();
    this.analysedTree?.delete();
    this.analysedTree = null;
    this.window = undefined;
    this.analysedText = this.source;
    return { path: this.path, findings };
  }

  /**
   * The whole-file parse the typing fast path put off: call it when idle. True when the document must be analysed
   * again because the edited function, parsed alone, read differently from the whole file's parse (tree-sitter's
   * recovery from a syntax error may look past the function: 6 of the typing benchmark's 579 such edits).
   */
  settle(): boolean {
    // Edits since the last analysis: the next analysis parses (and may parse the function alone again).
    if (!this.functionParse || this.window) return false;
    return this.catchUp();
  }

  /** Parses the whole file now; true when that showed the function parsed alone to differ (see settle). */
  private catchUp(): boolean {
    const parsed = this.parseWholeFile();
    // Timed out, or read the function differently: the next analysis reads the whole file.
    if (!parsed?.same) this.forgetSnapshot();
    return parsed?.same === false;
  }

  /**
   * The edited function parsed alone, when every edit since the tree's last parse and since the last analysis (more,
   * when an edit elsewhere made the whole file be parsed in between) stayed in its body.
   */
  private parseFunctionAlone(): EditedFunction | undefined {
    const { window, unparsed } = this;
    if (!this.tree || !this.snapshot || !window || !unparsed || this.analysedText === undefined) return undefined;
    const edited = { start: Math.min(window.start, unparsed.start), end: Math.max(window.end, unparsed.end), delta: window.delta };
    const parsed = parseEditedFunction(this.tree, this.source, this.lines, edited);
    if (!parsed) return undefined;
    this.functionParse?.tree.delete();
    this.functionParse = parsed;
    this.parsedBodyEnd = parsed.target.fn.childForFieldName('body')!.endIndex;
    this.lastParse = 'function';
    return { window, target: parsed.target };
  }

  /**
   * Incremental re-parse of the whole file. `edited`: the function that took every edit since the last analysis, if
   * one did; `same`: false when a function parsed alone for this very text reads differently here. Undefined when
   * the parse timed out.
   */
  private parseWholeFile(): { edited?: EditedFunction; same: boolean } | undefined {
    const previous = this.tree;
    const next = this.engine.parseText(this.source, previous);
    if (!next) return undefined;
    // Compared only for the text it parsed: after later edits its results are replaced (or forgotten) anyway.
    const same = this.closeFunctionParse(this.window ? null : next);
    const edited = same && this.window && previous && this.snapshot ? editedFunction(this.window, previous, next) : undefined;
    previous?.delete();
    this.tree = next;
    this.dirty = false;
    this.unparsed = undefined;
    return { edited, same };
  }

  private parseTimedOut(): FileResult {
    this.forgetSnapshot();
    return { path: this.path, findings: [], skipped: `skipped: parsing took longer than ${this.engine.settings.parseTimeoutMs} ms` };
  }

  /**
   * Ends the wait for the whole-file parse. `fileTree`: that parse, of the same text, to compare with; false when the
   * function reads differently there, and then everything cached by function text is dropped (results of a function
   * parse with a syntax error, the one case where they can differ, are never cached: see cacheableFunction).
   */
  private closeFunctionParse(fileTree: Tree | null): boolean {
    const parsed = this.functionParse;
    if (!parsed) return true;
    this.functionParse = undefined;
    const fn = parsed.target.fn;
    const same = fileTree ? sameFunctionIn(fileTree, fn) : true;
    if (!same) {
      this.cache.clear();
      this.engine.forgetFunctionCaches();
    }
    parsed.tree.delete();
    return same;
  }

  /** Binary content is looked for in the whole text once, then only in what edits insert (typing in a large file). */
  private rejectText(): string | undefined {
    if (this.knownTextFree && this.source.length <= this.engine.settings.maxFileBytes) return undefined;
    const rejected = this.engine.rejectText(this.source);
    this.knownTextFree = !rejected;
    return rejected;
  }

  private analyzeAll(): Finding[] {
    const file = this.engine.makeSource(this.path, this.source, this.tree!, this.crate, this.lines);
    this.engine.workspace.setFacts(this.path, file.facts);
    this.beforeFile?.tree?.delete();
    this.beforeFile = this.snapshot && this.analysedText !== undefined ? { text: this.analysedText, snapshot: this.snapshot, tree: this.analysedTree } : undefined;
    if (this.beforeFile) this.analysedTree = null;
    const { findings, snapshot } = this.engine.analyzeFull(file, this.cache);
    this.snapshot = snapshot;
    return findings;
  }

  /** The text is the one the last whole-file analysis replaced (an undo): that analysis is reused when still valid. */
  private analyzeRestored(): Finding[] | undefined {
    const before = this.beforeFile;
    this.beforeFile = undefined;
    before?.tree?.delete();
    if (!before || !sameText(before.text, this.source)) return undefined;
    const file = this.engine.makeSource(this.path, this.source, this.tree!, this.crate, this.lines, before.snapshot.facts);
    const result = this.engine.restoreSnapshot(file, before.snapshot);
    if (!result) return undefined;
    this.snapshot = result.snapshot;
    return result.findings;
  }

  /** The fast path: an edit inside one function body moves the file's facts instead of re-reading them. */
  private analyzeEdit({ window, target }: EditedFunction): Finding[] | undefined {
    const previous = this.snapshot;
    // A function nested too deep for rules is left out of the analysis: the full path handles that.
    if (!previous || this.analysedText === undefined || nestsDeeperThan(target.fn)) return undefined;
    const edit = bodyEdit(window, target.fn, this.analysedText);
    // An allow comment on the function's last line also covers the line after it (another item): re-read everything.
    if (edit.oldText.includes(ALLOW_MARK) || target.fn.text.includes(ALLOW_MARK)) return undefined;
    const file = this.engine.makeSource(this.path, this.source, this.tree!, this.crate, this.lines, mapFacts(previous.facts, edit));
    if (this.functionParse) file.reparsed = { fn: target.fn, impl: target.impl };
    this.engine.workspace.setFacts(this.path, file.facts);
    const result = this.engine.analyzeBodyEdit(file, previous, target, edit, this.cache);
    if (!result) return undefined;
    this.snapshot = result.snapshot;
    return result.findings;
  }

  private forgetSnapshot(): void {
    this.closeFunctionParse(null);
    this.snapshot = undefined;
    this.beforeFile?.tree?.delete();
    this.beforeFile = undefined;
    this.analysedTree?.delete();
    this.analysedTree = null;
    this.analysedText = undefined;
    this.window = undefined;
  }

  /** The current tree, parsed if needed; owned by the document (do not delete). */
  currentTree(): Tree | null {
    this.settle();
    if (this.dirty || !this.tree) this.analyze();
    // That analysis may have parsed one function alone again: the whole file now, analysed again if it differs.
    if (this.functionParse && this.catchUp()) this.analyze();
    return this.tree;
  }

  get lineIndex(): LineIndex {
    return this.lines;
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = null;
    this.cache.clear();
    this.forgetSnapshot();
  }
}
