// A local clone of the RustSec advisory database (where cargo-audit keeps it, or a configured
// folder), read lazily one crate at a time; never fetched.
import * as fs from 'fs';
import * as path from 'path';
import * as semver from 'semver';
import { parse as parseToml } from 'smol-toml';
import { lowerBounds, parseCargoReq, parseVersion } from './versions';

export type AdvisoryLevel = 'vulnerability' | 'unsound' | 'unmaintained' | 'informational';

export interface Advisory {
  id: string;
  package: string;
  title: string;
  date?: string;
  url?: string;
  /** `unsound`, `unmaintained`, `notice`…; absent for vulnerabilities. */
  informational?: string;
  level: AdvisoryLevel;
  aliases: string[];
  patched: string[];
  unaffected: string[];
  /** The advisory's .md or .toml file. */
  file: string;
}

/** Severity rank: what `--deny LEVEL` compares. */
export const LEVEL_RANK: Record<AdvisoryLevel, number> = { informational: 1, unmaintained: 2, unsound: 3, vulnerability: 4 };

type Table = Record<string, unknown>;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function dateText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
  return undefined;
}

function levelOf(informational: string | undefined): AdvisoryLevel {
  if (!informational) return 'vulnerability';
  if (informational === 'unsound') return 'unsound';
  if (informational === 'unmaintained') return 'unmaintained';
  return 'informational';
}

/** The front matter (```toml block) and the first `# ` heading of an advisory .md file. */
function splitMarkdown(text: string): { toml: string; title?: string } | undefined {
  const m = /^\s*```toml\r?\n([\s\S]*?)\r?\n```/.exec(text);
  if (!m) return undefined;
  const title = /^#\s+(.+?)\s*$/m.exec(text.slice(m[0].length))?.[1];
  return { toml: m[1], title };
}

/** Parses one advisory file; undefined for a malformed or withdrawn one. */
export function parseAdvisory(text: string, file: string): Advisory | undefined {
  let tomlText = text;
  let heading: string | undefined;
  if (file.endsWith('.md')) {
    const parts = splitMarkdown(text);
    if (!parts) return undefined;
    tomlText = parts.toml;
    heading = parts.title;
  }
  let doc: Table;
  try {
    doc = parseToml(tomlText) as Table;
  } catch {
    return undefined;
  }
  const adv = doc.advisory as Table | undefined;
  const id = str(adv?.id);
  const pkg = str(adv?.package);
  if (!adv || !id || !pkg || adv.withdrawn) return undefined;
  const versions = (doc.versions ?? {}) as Table;
  const informational = str(adv.informational);
  return {
    id,
    package: pkg,
    title: heading ?? str(adv.title) ?? id,
    date: dateText(adv.date),
    url: str(adv.url) ?? `https://rustsec.org/advisories/${id}.html`,
    informational,
    level: levelOf(informational),
    aliases: strings(adv.aliases),
    patched: strings(versions.patched ?? adv.patched_versions),
    unaffected: strings(versions.unaffected ?? adv.unaffected_versions),
    file,
  };
}

function matchesAny(reqs: string[], version: semver.SemVer): boolean {
  return reqs.some((r) => {
    const range = parseCargoReq(r, true);
    return !!range && range.test(version);
  });
}

/**
 * A version is affected unless a patched or unaffected range covers it. Prereleases compare by
 * order (`1.3.0-alpha` is after a fix in `1.2.3`; `1.2.3-rc.1` is before it).
 */
export function isAffected(adv: Advisory, version: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  return !matchesAny(adv.patched, v) && !matchesAny(adv.unaffected, v);
}

/**
 * The first version after `locked` that the advisory does not affect. With the registry's list of
 * published, not yanked versions, picks from those; otherwise from where the patched ranges start.
 */
export function firstPatchedAfter(adv: Advisory, locked: string, published?: string[]): string | undefined {
  const from = parseVersion(locked);
  if (!from) return undefined;
  const candidates = published ? published.map((p) => parseVersion(p)).filter((v): v is semver.SemVer => !!v) : lowerBounds(adv.patched);
  const fixed = candidates
    .filter((v) => semver.gt(v, from) && (v.prerelease.length === 0 || from.prerelease.length > 0))
    .filter((v) => matchesAny(adv.patched, v))
    .sort(semver.compare);
  return fixed[0]?.version;
}

export class AdvisoryDb {
  private readonly byCrate = new Map<string, Advisory[]>();
  /** Advisory files that did not parse: reported once, never per line. */
  malformed: string[] = [];

  private constructor(readonly dir: string) {}

  /** Opens a clone; undefined when the folder is not an advisory database (no `crates/`). */
  static open(dir: string): AdvisoryDb | undefined {
    try {
      return fs.statSync(path.join(dir, 'crates')).isDirectory() ? new AdvisoryDb(dir) : undefined;
    } catch {
      return undefined;
    }
  }

  forCrate(name: string): Advisory[] {
    let list = this.byCrate.get(name);
    if (list) return list;
    list = [];
    const folder = path.join(this.dir, 'crates', name);
    let files: string[] = [];
    try {
      files = fs.readdirSync(folder).filter((f) => f.endsWith('.md') || f.endsWith('.toml')).sort();
    } catch {
      // no advisories for this crate
    }
    for (const f of files) {
      const file = path.join(folder, f);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const adv = parseAdvisory(text, file);
      if (adv && adv.package === name) list.push(adv);
      else if (!adv && !/withdrawn\s*=/.test(text)) this.malformed.push(file);
    }
    this.byCrate.set(name, list);
    return list;
  }

  /** Advisories that affect this exact version. */
  matching(name: string, version: string): Advisory[] {
    return this.forCrate(name).filter((a) => isAffected(a, version));
  }
}
