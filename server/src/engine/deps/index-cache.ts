// Which versions of a crate were published and which are yanked, read from the index entries cargo
// caches under $CARGO_HOME/registry/index/*/.cache/ (offline; absent until cargo fetched once).
import * as fs from 'fs';
import * as path from 'path';

export interface PublishedVersion {
  version: string;
  yanked: boolean;
}

/** The index's folder layout: `1/a`, `2/ab`, `3/a/abc`, `se/rd/serde`. */
export function indexPath(name: string): string {
  const n = name.toLowerCase();
  if (n.length <= 2) return path.join(String(n.length), n);
  if (n.length === 3) return path.join('3', n[0], n);
  return path.join(n.slice(0, 2), n.slice(2, 4), n);
}

/**
 * A cache file is a header (a version byte, a u32 format version, an index revision ending in NUL)
 * followed by pairs of NUL-terminated `version` and JSON index line.
 */
export function parseIndexCache(bytes: Buffer): PublishedVersion[] {
  const out: PublishedVersion[] = [];
  if (bytes.length < 6) return out;
  let at = bytes.indexOf(0, 5);
  if (at < 0) return out;
  at++;
  while (at < bytes.length) {
    const versionEnd = bytes.indexOf(0, at);
    if (versionEnd < 0) break;
    const jsonEnd = bytes.indexOf(0, versionEnd + 1);
    const json = bytes.subarray(versionEnd + 1, jsonEnd < 0 ? bytes.length : jsonEnd).toString('utf8');
    try {
      const entry = JSON.parse(json) as { vers?: unknown; yanked?: unknown };
      if (typeof entry.vers === 'string') out.push({ version: entry.vers, yanked: entry.yanked === true });
    } catch {
      // a damaged entry: skip it
    }
    if (jsonEnd < 0) break;
    at = jsonEnd + 1;
  }
  return out;
}

/** Published versions of a crate from any cached index, or undefined when no cache has it. */
export function publishedVersions(cargoHome: string, name: string): PublishedVersion[] | undefined {
  const indexes = path.join(cargoHome, 'registry', 'index');
  let registries: string[] = [];
  try {
    registries = fs.readdirSync(indexes);
  } catch {
    return undefined;
  }
  for (const registry of registries) {
    try {
      return parseIndexCache(fs.readFileSync(path.join(indexes, registry, '.cache', indexPath(name))));
    } catch {
      // not cached in this registry
    }
  }
  return undefined;
}
