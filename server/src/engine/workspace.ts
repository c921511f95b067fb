// Cross-file facts: every known file's structs, aliases and statics, so a field's type resolves across files.
// Only facts are kept (small); trees of closed files are never held.
import type { FileFacts, StructFacts, AliasFacts, StaticFacts } from './resolve/facts';
import type { RuleData } from './rule';

export class Workspace {
  private readonly facts = new Map<string, FileFacts>();
  /** Bumped whenever any file's facts change: per-function caches key on it. */
  version = 0;
  /** Per-file data of workspace rules (e.g. lock-order pairs), by path then rule id. */
  private readonly ruleData = new Map<string, Map<string, RuleData>>();
  /** Bumped when any rule data changes (offsets included): only workspace findings key on it, not function caches. */
  dataVersion = 0;

  setFacts(path: string, facts: FileFacts): void {
    const previous = this.facts.get(path);
    if (previous && previous.signature === facts.signature) {
      this.facts.set(path, facts);
      return;
    }
    this.facts.set(path, facts);
    this.version++;
  }

  removeFile(path: string): void {
    if (this.facts.delete(path)) this.version++;
    if (this.ruleData.delete(path)) {
      this.dataVersion++;
      this.version++;
    }
  }

  /** Stores a rule's data for a file; `signature` equal to the stored one means unchanged. */
  setRuleData(path: string, ruleId: string, entry: RuleData): void {
    const byRule = this.ruleData.get(path) ?? new Map<string, RuleData>();
    const previous = byRule.get(ruleId);
    if (previous?.signature === entry.signature) return;
    byRule.set(ruleId, entry);
    this.ruleData.set(path, byRule);
    this.dataVersion++;
    if (entry.relations !== undefined && previous?.relations !== entry.relations) this.version++;
  }

  /** Every file's data for one rule. */
  *ruleDataOf<T>(ruleId: string): Generator<{ path: string; data: T }> {
    for (const [path, byRule] of this.ruleData) {
      const entry = byRule.get(ruleId);
      if (entry) yield { path, data: entry.data as T };
    }
  }

  hasFile(path: string): boolean {
    return this.facts.has(path);
  }

  factsOf(path: string): FileFacts | undefined {
    return this.facts.get(path);
  }

  paths(): string[] {
    return [...this.facts.keys()];
  }

  /** Same file first; elsewhere only when exactly one file declares the name (else: unknown). */
  private lookup<T>(name: string, fromPath: string, pick: (f: FileFacts) => Map<string, T>): { value: T; path: string } | undefined {
    const local = this.facts.get(fromPath);
    const own = local && pick(local).get(name);
    if (own) return { value: own, path: fromPath };
    let found: { value: T; path: string } | undefined;
    for (const [path, facts] of this.facts) {
      const v = pick(facts).get(name);
      if (!v) continue;
      if (found) return undefined;
      found = { value: v, path };
    }
    return found;
  }

  findStruct(name: string, fromPath: string): { value: StructFacts; path: string } | undefined {
    return this.lookup(name, fromPath, (f) => f.structs);
  }

  findAlias(name: string, fromPath: string): { value: AliasFacts; path: string } | undefined {
    return this.lookup(name, fromPath, (f) => f.aliases);
  }

  findStatic(name: string, fromPath: string): { value: StaticFacts; path: string } | undefined {
    return this.lookup(name, fromPath, (f) => f.statics);
  }

  *allStructs(): Generator<{ value: StructFacts; path: string }> {
    for (const [path, facts] of this.facts) for (const s of facts.structs.values()) yield { value: s, path };
  }
}
