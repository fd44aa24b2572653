import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { buildProgram, type CliExtension } from './program.js';

/** One term (an option's flags, a command's name and arguments) and its description, as commander prints them. */
export type HelpItem = readonly [term: string, description: string];

/** A heading (`Options:`, `Commands:`, ...) and its items, in commander's order. */
export type HelpSection = readonly [heading: string, items: readonly HelpItem[]];

/**
 * What commander's default help shows for one command, before layout: the help's layout (padding
 * to the widest term, wrapping at the terminal width) is applied at print time, so a table of
 * these can print the same help without loading commander or the commands' modules.
 */
export interface HelpEntry {
  usage: string;
  description: string;
  sections: readonly HelpSection[];
}

/** Help entries by command path: `''` for `perpscope`, `'scan'`, `'data import'`, ... */
export type HelpTable = Record<string, HelpEntry>;

/** An io that prints nothing: building the program registers commands without running any. */
const silentIo: CliIo = { out: () => undefined, err: () => undefined, isTTY: false, env: {}, interrupted: new Promise<void>(() => undefined) };

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function walk(cmd: Command, visit: (c: Command) => void): void {
  visit(cmd);
  for (const sub of cmd.commands) walk(sub, visit);
}

/** Items grouped under their headings in order of first appearance, as commander's `formatHelp` groups them. */
function grouped<T>(items: readonly T[], heading: (item: T) => string, item: (t: T) => HelpItem): HelpSection[] {
  const groups = new Map<string, HelpItem[]>();
  for (const t of items) {
    const h = heading(t);
    const list = groups.get(h) ?? [];
    list.push(item(t));
    groups.set(h, list);
  }
  return [...groups].map(([h, list]) => [h, list] as const);
}

function entryOf(cmd: Command): HelpEntry {
  const helper = cmd.createHelp();
  if (helper.showGlobalOptions || helper.sortOptions || helper.sortSubcommands) {
    // The printed layout assumes commander's defaults; a setting that changes it must be mirrored there first.
    throw new Error(`help of "${commandPath(cmd)}": showGlobalOptions, sortOptions and sortSubcommands must stay off for the static help table`);
  }
  const sections: HelpSection[] = [];
  const args = helper.visibleArguments(cmd).map((a): HelpItem => [helper.argumentTerm(a), helper.argumentDescription(a)]);
  if (args.length) sections.push(['Arguments:', args]);
  sections.push(...grouped(helper.visibleOptions(cmd), (o) => o.helpGroupHeading ?? 'Options:', (o) => [helper.optionTerm(o), helper.optionDescription(o)]));
  sections.push(...grouped(helper.visibleCommands(cmd), (c) => c.helpGroup() || 'Commands:', (c) => [helper.subcommandTerm(c), helper.subcommandDescription(c)]));
  return { usage: helper.commandUsage(cmd), description: helper.commandDescription(cmd), sections };
}

/**
 * The help of every command of the `perpscope` CLI with these extensions, as data. The desktop
 * CLI ships it as a generated table so that `--help` prints without loading commander, zod or
 * any command; a test compares the table with this and the printed text with commander's own.
 */
export function helpTableOf(extensions: readonly CliExtension[] = []): HelpTable {
  const table: HelpTable = {};
  walk(buildProgram(silentIo, extensions), (c) => {
    table[commandPath(c)] = entryOf(c);
  });
  return table;
}

/** Commander's own help text of the command at `path` (`''` for the root) laid out for `width` columns. */
export function commanderHelpText(path: string, width: number, extensions: readonly CliExtension[] = []): string {
  let found: Command | undefined;
  walk(buildProgram(silentIo, extensions), (c) => {
    if (commandPath(c) === path) found = c;
  });
  if (!found) throw new Error(`no command "${path}" in the perpscope CLI`);
  found.configureOutput({ ...found.configureOutput(), getOutHelpWidth: () => width, getOutHasColors: () => false });
  return found.helpInformation();
}
