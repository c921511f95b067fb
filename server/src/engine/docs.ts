// A rule's docs in one rendering shared by the hover, `--explain`, SARIF help and the README table,
// so the same words appear everywhere. Pure: no LSP, no I/O.
import type { Rule } from './rule';

export const PROJECT_URL = 'https://github.com/blindspot-rust/blindspot';
/** The README's rule table has one anchor per rule id (written by `npm run docs`). */
export const RULE_DOCS_BASE_URL = `${PROJECT_URL}/blob/main/README.md`;

/** The web page for a rule: LSP `codeDescription.href`, SARIF `helpUri`. */
export function ruleDocsUrl(ruleId: string): string {
  return `${RULE_DOCS_BASE_URL}#${ruleId}`;
}

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

interface Block {
  code: boolean;
  text: string;
}

/** In an Example / Use instead section, a paragraph of prose: a sentence, not a line of Rust. */
function isProse(paragraph: string): boolean {
  const t = paragraph.trim();
  return /^[A-Z]/.test(t) && /[.:]$/.test(t) && !t.split('\n').some((line) => /[{};]\s*(\/\/.*)?$/.test(line));
}

/** Splits a section into prose and code: fenced blocks when the author wrote fences, else by paragraph. */
function blocks(body: string, codeSection: boolean): Block[] {
  const out: Block[] = [];
  const push = (code: boolean, text: string) => {
    const trimmed = text.replace(/^\n+|\s+$/g, '');
    if (!trimmed) return;
    const last = out[out.length - 1];
    if (last && last.code === code) last.text += '\n\n' + trimmed;
    else out.push({ code, text: trimmed });
  };
  if (/^\s*```/m.test(body)) {
    body.split(/^\s*```[a-z]*\s*$/m).forEach((part, i) => push(i % 2 === 1, part));
    return out;
  }
  for (const paragraph of body.split(/\n[ \t]*\n/)) push(codeSection && !isProse(paragraph), paragraph);
  return out;
}

/** Markdown for hovers, SARIF `help.markdown` and docs pages. `headingLevel` 3 gives `###` sections. */
export function ruleDocsMarkdown(rule: Rule, headingLevel = 3): string {
  const hashes = '#'.repeat(headingLevel);
  const parts = [`**${rule.id}** (default: ${rule.severity}): ${rule.docs.summary.trim()}`];
  for (const s of ruleDocSections(rule)) {
    const body = blocks(s.body, s.code).map((b) => (b.code ? '```rust\n' + b.text + '\n```' : b.text)).join('\n\n');
    parts.push(`${hashes} ${s.heading}\n\n${body}`);
  }
  return parts.join('\n\n') + '\n';
}

/** Plain text for terminals (`--explain`) and SARIF `help.text`: headings underlined, code indented. */
export function ruleDocsText(rule: Rule): string {
  const parts = [`${rule.id} (default: ${rule.severity})\n${rule.docs.summary.trim()}`];
  for (const s of ruleDocSections(rule)) {
    const indent = (text: string) => text.split('\n').map((l) => (l ? '    ' + l : l)).join('\n');
    const body = blocks(s.body, s.code).map((b) => (b.code ? indent(b.text) : b.text)).join('\n\n');
    parts.push(`${s.heading}\n${'-'.repeat(s.heading.length)}\n${body}`);
  }
  return parts.join('\n\n') + '\n';
}
