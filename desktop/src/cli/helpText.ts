// Prints `perpscope --help` (and `<command> --help`, `--version`) from a generated table, without
// loading commander, zod, the config schema or any command: what a user pays for help is a bare
// node start plus this file and the table. The layout below is commander's default help layout
// (commander 14 `Help.formatHelp`); desktop/test/cli/helpText.test.ts compares the printed text
// with commander's own for every command at several widths, and the table with the program.

import type { HelpEntry, HelpItem } from '@perpscope/sdk/cli';

export type { HelpEntry };

/**
 * Commands whose help depends on the machine (`--workers` names this machine's CPU count), so a
 * table generated elsewhere would print the wrong figure: their help is left to commander.
 */
export const MACHINE_DEPENDENT_HELP: readonly string[] = ['sweep', 'walk-forward'];

const ITEM_INDENT = 2;
const SPACER = 2;
/** Below this many columns commander stops wrapping descriptions. */
const MIN_WIDTH_TO_WRAP = 40;

/** Wraps at whitespace to `width` columns, keeping explicit line breaks (commander's `boxWrap`). */
function boxWrap(text: string, width: number): string {
  if (width < MIN_WIDTH_TO_WRAP) return text;
  const out: string[] = [];
  for (const line of text.split(/\r\n|\n/)) {
    const chunks = line.match(/[\s]*[^\s]+/g);
    if (chunks === null) {
      out.push('');
      continue;
    }
    let current = chunks[0]!;
    for (const chunk of chunks.slice(1)) {
      if (current.length + chunk.length <= width) {
        current += chunk;
      } else {
        out.push(current);
        current = chunk.trimStart();
      }
    }
    out.push(current);
  }
  return out.join('\n');
}

function formatItem([term, description]: HelpItem, termWidth: number, width: number): string {
  const indent = ' '.repeat(ITEM_INDENT);
  if (!description) return indent + term;
  const remaining = width - termWidth - SPACER - ITEM_INDENT;
  // A description with its own indented lines is printed as written (commander's `preformatted`).
  const text = remaining < MIN_WIDTH_TO_WRAP || /\n[^\S\r\n]/.test(description) ? description : boxWrap(description, remaining).replace(/\n/g, `\n${' '.repeat(termWidth + SPACER)}`);
  return indent + term.padEnd(termWidth) + ' '.repeat(SPACER) + text.replace(/\n/g, `\n${indent}`);
}

/** The help text of one command laid out for `width` columns, as commander's `helpInformation()` returns it. */
export function renderHelp(entry: HelpEntry, width: number): string {
  const termWidth = Math.max(0, ...entry.sections.flatMap(([, items]) => items.map(([term]) => term.length)));
  const lines = [`Usage: ${entry.usage}`, ''];
  if (entry.description.length > 0) lines.push(boxWrap(entry.description, width), '');
  for (const [heading, items] of entry.sections) {
    if (items.length === 0) continue;
    lines.push(heading, ...items.map((item) => formatItem(item, termWidth, width)), '');
  }
  return lines.join('\n');
}

/**
 * The command path whose help `argv` asks for, or null when it asks for anything else: only
 * `[command...] --help` (or `-h`) with nothing but command names before it. Anything else
 * (an option before `--help`, `help <command>`, an unknown name) goes to commander, which prints
 * the same help or the right error.
 */
export function helpRequest(argv: readonly string[], table: Readonly<Record<string, HelpEntry>>): string | null {
  if (argv.length === 0) return null;
  const last = argv[argv.length - 1];
  if (last !== '--help' && last !== '-h') return null;
  const words = argv.slice(0, -1);
  if (words.some((w) => w.startsWith('-'))) return null;
  const path = words.join(' ');
  return Object.hasOwn(table, path) ? path : null;
}

/** True when `argv` asks only for the version: `--version` or `-V` alone. */
export function versionRequest(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V');
}

/** The width commander lays help out for on this stdout: the terminal's columns, else 80. */
export function helpWidth(stdout: { isTTY?: boolean; columns?: number }): number {
  return (stdout.isTTY ? stdout.columns : undefined) ?? 80;
}
