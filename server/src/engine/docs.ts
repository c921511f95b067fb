// A rule's docs in one rendering shared by the hover, `--explain`, SARIF help and the README table,
// so the same words appear everywhere. Pure: no LSP, no I/O.
import type { Rule } from './rule';

export interface DocSection {
  heading: string;
  body: string;
  /** Rust code: fenced in markdown, indented in plain text. */
  code: boolean;
}

/** The sections in clippy's order; `Differences from clippy` only when the rule states some. */
export function ruleDocSections(rule: Rule): DocSection[] {
  const { docs } = rule;
  const sections: DocSection[] = [
    { heading: 'What it does', body: docs.whatItDoes, code: false },
    { heading: 'Why is this bad', body: docs.whyBad, code: false },
    { heading: 'Example', body: docs.example, code: true },
    { heading: 'Use instead', body: docs.useInstead, code: true },
  ];
  if (docs.differences?.trim()) sections.push({ heading: 'Differences from clippy', body: docs.differences, code: false });
  if (rule.clippyLints?.length) {
    const lints = rule.clippyLints.map((l) => `#[allow(clippy::${l})]`).join(', ');
    sections.push({ heading: 'Silencing it', body: `\`// blindspot: allow(${rule.id})\` on the line or the item, or ${lints} on the item.`, code: false });
  } else {
    sections.push({ heading: 'Silencing it', body: `\`// blindspot: allow(${rule.id})\` on the line or the item.`, code: false });
  }
  return sections.filter((s) => s.body.trim().length > 0);
}

/** Code that already carries its own markdown fences is left as written. */
function fenced(body: string): string {
  const trimmed = body.replace(/^\n+|\s+$/g, '');
  return /^\s*```/.test(trimmed) ? trimmed : '```rust\n' + trimmed + '\n```';
}

function unfenced(body: string): string {
  return body.split('\n').filter((line) => !/^\s*```/.test(line)).join('\n').replace(/^\n+|\s+$/g, '');
}

/** Markdown for hovers, SARIF `help.markdown` and docs pages. `headingLevel` 3 gives `###` sections. */
export function ruleDocsMarkdown(rule: Rule, headingLevel = 3): string {
  const hashes = '#'.repeat(headingLevel);
  const parts = [`**${rule.id}** (default: ${rule.severity}): ${rule.docs.summary.trim()}`];
  for (const s of ruleDocSections(rule)) parts.push(`${hashes} ${s.heading}\n\n${s.code ? fenced(s.body) : s.body.trim()}`);
  return parts.join('\n\n') + '\n';
}

/** Plain text for terminals (`--explain`) and SARIF `help.text`: headings underlined, code indented. */
export function ruleDocsText(rule: Rule): string {
  const parts = [`${rule.id} (default: ${rule.severity})\n${rule.docs.summary.trim()}`];
  for (const s of ruleDocSections(rule)) {
    const body = s.code ? unfenced(s.body).split('\n').map((l) => (l ? '    ' + l : l)).join('\n') : s.body.trim();
    parts.push(`${s.heading}\n${'-'.repeat(s.heading.length)}\n${body}`);
  }
  return parts.join('\n\n') + '\n';
}
