// Cross-file facts: every known file's structs, aliases and statics, so a field's type resolves across files.
// Only facts are kept (small); trees of closed files are never held.
import { createHash } from 'crypto';
import type { FileFacts, StructFacts, AliasFacts, StaticFacts } from './resolve/facts';
import type { RuleData } from './rule';

type Kind = 'structs' | 'aliases' | 'statics';
const KINDS: Kind[] = ['structs', 'aliases', 'statics'];

let workspaces = 0;

/** Keyed by the array, which typing carries over from one keystroke's facts to the next. */
const constNames = new WeakMap<string[], Set<string>>();

/** A file's const names as a set, built on the first lookup that needs it. */
function constNamesOf(facts: FileFacts): Set<string> {
  let names = constNames.get(facts.consts);
  if (!names) constNames.set(facts.consts, (names = new Set(facts.consts)));
  return names;
}

export class Workspace {
  private readonly facts = new Map<string, FileFacts>();
  /**
   * Which files declare each name, per kind: a lookup outside the asking file is one map read instead of a
   * pass over every file (rc-cycle's type graph does thousands of lookups; with Debian's 2,900-file crate
   * registry open that cost ~0.5 s per keystroke).
   */
  private readonly declaredIn: Record<Kind, Map<string, Set<string>>> = { structs: new Map(), aliases: new Map(), statics: new Map() };
  /** Bumped whenever any file's facts change: per-function caches key on it. */
  version = 0;
  /** Tells workspaces apart: module-level caches shared by several engines (tests, the CLI's runs) key on `factsKey`. */
  private readonly id = ++workspaces;
  /** Per-file data of workspace rules (e.g. lock-order pairs), by path then rule id. */
  private readonly ruleData = new Map<string, Map<string, RuleData>>();
  /** Bumped when any rule data changes (offsets included): only workspace findings key on it, not function caches. */
  dataVersion = 0;

  /**
   * What every file's facts and rule relations are, as a digest (XOR of per-file digests), and which workspace:
   * per-function caches key on it. Content, not a counter: undoing an edit brings the key, and the cache hits, back.
   */
  get factsKey(): string {
    return `${this.id}.${this.digest[0].toString(36)}.${this.digest[1].toString(36)}`;
  }

  private readonly digest: [number, number] = [0, 0];
  private readonly fileDigests = new Map<string, [number, number]>();

  /** Re-reads one file's part of the digest (its facts signature and its rules' relations). */
  private redigest(path: string): void {
    const old = this.fileDigests.get(path);
    if (old) this.xorDigest(old);
    const facts = this.facts.get(path);
    const relations = [...(this.ruleData.get(path)?.entries() ?? [])].map(([id, d]) => `${id}:${d.relations ?? ''}`).join('\n');
    if (!facts && !relations) {
      this.fileDigests.delete(path);
      return;
    }
    const hash = createHash('sha1').update(`${path}\u0000${facts?.signature ?? ''}\u0000${relations}`).digest();
    const mine: [number, number] = [hash.readUInt32LE(0), hash.readUInt32LE(4)];
    this.fileDigests.set(path, mine);
    this.xorDigest(mine);
  }

  private xorDigest([hi, lo]: [number, number]): void {
    this.digest[0] = (this.digest[0] ^ hi) >>> 0;
    this.digest[1] = (this.digest[1] ^ lo) >>> 0;
  }

  setFacts(path: string, facts: FileFacts): void {
    const previous = this.facts.get(path);
    this.facts.set(path, facts);
    // Equal signatures mean equal item texts, hence the same names: the index stands.
    if (previous && previous.signature === facts.signature) return;
    this.index(path, previous, facts);
    this.version++;
    this.redigest(path);
  }

  private index(path: string, previous: FileFacts | undefined, next: FileFacts | undefined): void {
    for (const kind of KINDS) {
      const byName = this.declaredIn[kind];
      for (const name of previous?.[kind].keys() ?? []) {
        const paths = byName.get(name);
        paths?.delete(path);
        if (paths?.size === 0) byName.delete(name);
      }
      for (const name of next?.[kind].keys() ?? []) {
        let paths = byName.get(name);
        if (!paths) byName.set(name, (paths = new Set()));
        paths.add(path);
      }
    }
  }

  removeFile(path: string): void {
    this.index(path, this.facts.get(path), undefined);
    if (this.facts.delete(path)) this.version++;
    if (this.ruleData.delete(path)) {
      this.dataVersion++;
      this.version++;
    }
    this.redigest(path);
  }

  /** Stores a rule's data for a file; `signature` equal to the stored one means unchanged. */
  setRuleData(path: string, ruleId: string, entry: RuleData): void {
    const byRule = this.ruleData.get(path) ?? new Map<string, RuleData>();
    const previous = byRule.get(ruleId);
    if (previous?.signature === entry.signature) return;
    byRule.set(ruleId, entry);
    this.ruleData.set(path, byRule);
    this.dataVersion++;
    if (entry.relations !== undefined && previous?.relations !== entry.relations) {
      this.version++;
      this.redigest(path);
    }
  }

  /** Replaces a rule's data with an equivalent one (the same data moved by an edit): nothing is bumped. */
  replaceRuleData(path: string, ruleId: string, entry: RuleData): void {
    const byRule = this.ruleData.get(path) ?? new Map<string, RuleData>();
    byRule.set(ruleId, entry);
    this.ruleData.set(path, byRule);
  }

  /** The entry stored for one file and rule (the object itself: callers compare identity). */
  ruleDataEntry(path: string, ruleId: string): RuleData | undefined {
    return this.ruleData.get(path)?.get(ruleId);
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
  private lookup<K extends Kind>(name: string, fromPath: string, kind: K): { value: NonNullable<ReturnType<FileFacts[K]['get']>>; path: string } | undefined {
    type Value = NonNullable<ReturnType<FileFacts[K]['get']>>;
    const facts = this.facts.get(fromPath);
    const own = facts?.[kind].get(name) as Value | undefined;
    if (own) return { value: own, path: fromPath };
    // The file's own const of that name: no static elsewhere is meant (and no rule reads a const's type).
    if (kind === 'statics' && facts && constNamesOf(facts).has(name)) return undefined;
    const paths = this.declaredIn[kind].get(name);
    if (!paths || paths.size !== 1) return undefined;
    const [path] = paths;
    const value = this.facts.get(path)?.[kind].get(name) as Value | undefined;
    return value ? { value, path } : undefined;
  }

  findStruct(name: string, fromPath: string): { value: StructFacts; path: string } | undefined {
    return this.lookup(name, fromPath, 'structs');
  }

  findAlias(name: string, fromPath: string): { value: AliasFacts; path: string } | undefined {
    return this.lookup(name, fromPath, 'aliases');
  }

  findStatic(name: string, fromPath: string): { value: StaticFacts; path: string } | undefined {
    return this.lookup(name, fromPath, 'statics');
  }

  *allStructs(): Generator<{ value: StructFacts; path: string }> {
    for (const [path, facts] of this.facts) for (const s of facts.structs.values()) yield { value: s, path };
  }
}
