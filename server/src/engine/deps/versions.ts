// Cargo's version requirements read with node-semver. Cargo and node-semver differ in two ways that
// matter here: a bare `1.2` means `^1.2` to Cargo (an exact version to node-semver), and Cargo
// separates comparators with commas.
import * as semver from 'semver';

const OPERATOR = /^(\^|~|=|<=|>=|<|>)/;

/** A Cargo requirement (`1.2`, `>= 1.2, < 1.5`, `=0.3.1`, `1.*`) as a node-semver range string. */
export function cargoReqToRange(req: string): string | undefined {
  const parts = req.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return undefined;
  const converted = parts.map((p) => {
    const op = OPERATOR.exec(p)?.[0];
    if (op) return `${op === '=' ? '' : op}${p.slice(op.length).trim()}`;
    return /[*xX]/.test(p) ? p : `^${p}`;
  });
  return converted.join(' ');
}

/**
 * Parses a Cargo requirement. `includePrerelease` compares prereleases by their order (what advisory
 * ranges mean: `>= 1.2.3` covers `1.3.0-alpha`); without it a prerelease only matches a comparator
 * naming the same major.minor.patch, as Cargo resolves requirements.
 */
export function parseCargoReq(req: string, includePrerelease: boolean): semver.Range | undefined {
  const range = cargoReqToRange(req);
  if (!range) return undefined;
  try {
    return new semver.Range(range, { includePrerelease });
  } catch {
    return undefined;
  }
}

export function parseVersion(v: string): semver.SemVer | undefined {
  return semver.parse(v) ?? undefined;
}

/** Does a locked version satisfy a Cargo requirement the way Cargo resolves it? */
export function reqMatches(req: string | undefined, version: string): boolean {
  if (!req) return true;
  const range = parseCargoReq(req, false);
  return range ? semver.satisfies(version, range) : false;
}

/** The smallest versions each advisory range starts at (`>= 1.2.3` → 1.2.3, `^0.9.7` → 0.9.7). */
export function lowerBounds(reqs: string[]): semver.SemVer[] {
  const out: semver.SemVer[] = [];
  for (const req of reqs) {
    const range = parseCargoReq(req, true);
    if (!range) continue;
    for (const set of range.set) {
      try {
        const min = semver.minVersion(new semver.Range(set.map((c) => c.value).join(' '), { includePrerelease: true }));
        if (min) out.push(min);
      } catch {
        // an unsatisfiable comparator set has no lower bound
      }
    }
  }
  return out;
}

/**
 * A requirement string that asks for at least `version`, written in the style of the old one:
 * `=1.0.1` stays exact, `~1.0` stays a tilde, anything else becomes a plain (caret) version.
 */
export function raisedRequirement(oldReq: string, version: string): string {
  const trimmed = oldReq.trim();
  if (trimmed.startsWith('=')) return `=${version}`;
  if (trimmed.startsWith('~')) return `~${version}`;
  if (trimmed.startsWith('^')) return `^${version}`;
  return version;
}
