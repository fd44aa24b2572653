/**
 * Rewrites `test/fixtures/blofin-docs/*.json` from BloFin's official API documentation: for each
 * entry of {@link DOC_SECTIONS}, the JSON example under that section's label in `index.md`,
 * with `_source` naming the docs commit, section and label.
 *
 * Usage: node --import tsx test/conformance/refreshDocFixtures.ts <blofin-api-docs git dir>
 * (a clone's `.git`, or a bare mirror; `index.md` is read from its HEAD).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DOC_SECTIONS, type DocSection } from './docSections.js';

const OUT_DIR = fileURLToPath(new URL('../fixtures/blofin-docs/', import.meta.url));

/** Drops the docs' `# ...` annotations (not JSON) outside string literals. */
export function stripHashComments(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && inString) i++;
    else if (ch === '"') inString = !inString;
    else if (ch === '#' && !inString) return line.slice(0, i).trimEnd();
  }
  return line;
}

/** The parsed JSON example labelled `label` in the `### section` of the docs' markdown. */
export function extractExample(markdown: string, { section, label }: DocSection): unknown {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `### ${section}`);
  if (start < 0) throw new Error(`docs section "### ${section}" not found`);
  let end = lines.findIndex((l, i) => i > start && /^#{1,3} /.test(l));
  if (end < 0) end = lines.length;
  const wanted = label.replace(/:$/, '');
  for (let i = start; i < end; i++) {
    const l = lines[i]!.trim();
    if (!l.startsWith('>') || l.slice(1).trim().replace(/:$/, '').trim() !== wanted) continue;
    const open = lines.findIndex((x, j) => j > i && x.trim().startsWith('```json'));
    if (open < 0 || open >= end) break;
    const close = lines.findIndex((x, j) => j > open && x.trim().startsWith('```'));
    const body = lines.slice(open + 1, close).map(stripHashComments).join('\n');
    return JSON.parse(body);
  }
  throw new Error(`docs section "### ${section}" has no JSON example labelled "${label}"`);
}

function main(gitDir: string | undefined): void {
  if (!gitDir) throw new Error('usage: refreshDocFixtures.ts <blofin-api-docs git dir>');
  const git = (...args: string[]) => execFileSync('git', [`--git-dir=${gitDir}`, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const commit = git('rev-parse', 'HEAD').trim();
  const markdown = git('show', 'HEAD:index.md');
  for (const s of DOC_SECTIONS) {
    const fixture = { _source: `blofin/blofin-api-docs@${commit} index.md, section "${s.section}", example "${s.label}"`, example: extractExample(markdown, s) };
    writeFileSync(`${OUT_DIR}${s.fixture}.json`, `${JSON.stringify(fixture, null, 2)}\n`);
  }
  process.stdout.write(`wrote ${DOC_SECTIONS.length} fixtures from ${commit}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv[2]);
