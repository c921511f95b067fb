// The shape every rule module has, and what rules report. Pure data: no LSP types.
import type { Node } from './parser';
import type { SourceFile } from './source';
import type { Workspace } from './workspace';
import type { OffsetRange } from './text';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface RuleDocs {
  /** One line, shown in tables and as the diagnostic's headline. */
  summary: string;
  whatItDoes: string;
  whyBad: string;
  example: string;
  useInstead: string;
  /** Where Blindspot deliberately differs from clippy or other tools. */
  differences?: string;
}

export interface TextEdit extends OffsetRange {
  newText: string;
}

export interface FileEdit {
  path: string;
  edits: TextEdit[];
}

export interface Fix {
  title: string;
  edits: FileEdit[];
  /** The fix a user most likely wants; LSP marks it isPreferred. */
  preferred?: boolean;
  /** Sound to apply unattended (`--fix`, `source.fixAll`). */
  safe?: boolean;
  /** Range to select after applying, e.g. a placeholder the user must fill (offsets after the edit). */
  select?: { path: string } & OffsetRange;
}

export interface Related {
  path: string;
  range: OffsetRange;
  message: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  path: string;
  range: OffsetRange;
  message: string;
  related: Related[];
  fixes: Fix[];
  /** Lines for the hover's "why it matters here" section. */
  notes: string[];
}

export type Report = Omit<Finding, 'ruleId' | 'severity' | 'path' | 'related' | 'fixes' | 'notes'> &
  Partial<Pick<Finding, 'related' | 'fixes' | 'notes' | 'severity'>>;

export interface RuleContext {
  file: SourceFile;
  workspace: Workspace;
  settings: EngineSettings;
  report(finding: Report): void;
}

export interface FunctionContext extends RuleContext {
  /** A function item (`function_item`) whose body this call analyses. */
  fn: Node;
  /** The `impl` or `trait` the function belongs to (it decides `Self`), if any. */
  impl: Node | null;
}

/**
 * A rule checks either one function at a time (cached per function, so an edit re-analyses only
 * what it touched), one whole file, or the whole workspace (cross-file facts like type graphs).
 */
export interface Rule {
  id: string;
  severity: Severity;
  docs: RuleDocs;
  /** clippy lint names whose `#[allow(clippy::…)]` also silences this rule. */
  clippyLints?: string[];
  /**
   * Words a function's text must contain for checkFunction to run on it (any one of them): a string
   * search is far cheaper than walking the tree, and most functions mention no lock, spawn or leak.
   */
  mentions?: string[];
  checkFunction?(ctx: FunctionContext): void;
  checkFile?(ctx: RuleContext): void;
  /**
   * Per-file data a workspace rule needs beyond FileFacts (e.g. nested lock pairs), computed when a file is
   * indexed or analysed and kept in the Workspace (`ruleDataOf`); an unchanged `signature` keeps the old entry.
   * `relations` (optional) is its offset-free part: when it changes, other files' findings may change, so it bumps
   * `Workspace.version` (other open documents get re-analysed), while offset-only changes do not.
   */
  collectFileData?(ctx: RuleContext): RuleData;
  /**
   * Typing inside one function body (the fast path that keeps a keystroke in a large file cheap): the file's data
   * with only that function's part re-read, from `previous` (the data before the edit). `unchanged` says the new
   * data is the old one moved by `edit.map`, so workspace findings only move too. Undefined: re-collect the file.
   */
  updateFileData?(ctx: FunctionContext, previous: RuleData, edit: BodyEdit): { entry: RuleData; unchanged: boolean } | undefined;
  /**
   * Typing inside one function body: re-reports checkFile's findings inside that function (the engine moves the
   * others) and returns true, or returns false when the whole file must be checked again.
   */
  updateFileFindings?(ctx: FunctionContext, edit: BodyEdit): boolean;
  /**
   * What a file rule keeps per file between runs for updateFileFindings (what its last checkFile saw): saved with each
   * analysis and put back when an undo brings back an analysed text, instead of checking the file again. A file rule
   * without it keeps no per-file state.
   */
  fileState?: { save(ctx: RuleContext): unknown; restore(ctx: RuleContext, state: unknown): void };
  /**
   * Drops what the rule caches by a function's text: a function parsed on its own after an edit turned out to read
   * differently in the whole file's parse (see function-parse.ts), so results keyed by its text may be wrong.
   */
  forgetFunctionCaches?(): void;
  /** Workspace-wide rules; findings may land in any file. */
  checkWorkspace?(ctx: { workspace: Workspace; settings: EngineSettings; report(path: string, finding: Report): void }): void;
}

/**
 * An edit confined to one function body (`ctx.fn`, in the new tree): text before `start` did not move, text from
 * `oldEnd` on (old offsets) moved by `delta`; what lies between was rewritten.
 */
export interface BodyEdit {
  start: number;
  oldEnd: number;
  delta: number;
  /** The function's text before the edit. */
  oldText: string;
  /** The function's end before the edit. */
  oldFnEnd: number;
  /** An old offset outside [start, oldEnd) in new coordinates. */
  map(offset: number): number;
}

export interface RuleData {
  signature: string;
  relations?: string;
  data: unknown;
}

export interface RuleSetting {
  enabled?: boolean;
  severity?: Severity;
}

export interface EngineSettings {
  rules: Record<string, RuleSetting>;
  /** Extra fully qualified type paths whose guards block (like clippy's await-holding-invalid-types). */
  extraBlockingGuards: string[];
  /** Files larger than this are skipped with a message. */
  maxFileBytes: number;
  /** A parse that takes longer is abandoned and the file skipped. */
  parseTimeoutMs: number;
  /**
   * Files on disk checked once (a workspace scan): data only a rare fix needs (rc-cycle's field sites) is read from
   * the file when that fix is built, and caches that only typing reuses are skipped. Never for open documents.
   */
  checkedOnce?: boolean;
}

export const defaultSettings: EngineSettings = {
  rules: {},
  extraBlockingGuards: [],
  maxFileBytes: 5 * 1024 * 1024,
  parseTimeoutMs: 5000,
};
