import { describe, expect, it } from 'vitest';
import { commanderHelpText, helpTableOf, runCli } from '@perpscope/sdk/cli';
import { HELP_TABLE } from '../../src/cli/helpTable.generated.js';
import { helpRequest, helpWidth, MACHINE_DEPENDENT_HELP, renderHelp, versionRequest } from '../../src/cli/helpText.js';
import { mcpCommand } from '../../src/cli/mcpCommand.js';
import { serveCommand } from '../../src/cli/serveCommand.js';

const extensions = [serveCommand, mcpCommand];

describe('perpscope --help from the generated table', () => {
  it('the table is the program: every command but the machine-dependent ones, with the same usage, options and commands', () => {
    const program = helpTableOf(extensions);
    const expected = Object.fromEntries(Object.entries(program).filter(([path]) => !MACHINE_DEPENDENT_HELP.includes(path)));
    // On a mismatch: pnpm build:ts && node --import tsx scripts/gen-cli-help.ts
    expect(HELP_TABLE).toEqual(expected);
    for (const path of MACHINE_DEPENDENT_HELP) expect(program[path], `${path} exists, so leaving it out means something`).toBeDefined();
  });

  // 30 is below the width where commander stops wrapping; 80 is a pipe's; the others are terminals.
  for (const width of [30, 60, 80, 120, 200]) {
    it(`prints what commander prints for every command at ${width} columns`, () => {
      for (const path of Object.keys(HELP_TABLE)) {
        expect(renderHelp(HELP_TABLE[path]!, width), `perpscope ${path} --help`).toBe(commanderHelpText(path, width, extensions));
      }
    });
  }

  it('the full CLI prints the same text for --help (the path a non-help command takes)', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: () => undefined, isTTY: false, env: {}, interrupted: new Promise<void>(() => undefined) };
    // Commander reads the width from process.stdout, which is not a terminal under the test runner.
    expect(helpWidth(process.stdout)).toBe(80);
    expect(await runCli(['data', 'import', '--help'], io, extensions)).toBe(0);
    expect(lines.join('\n')).toBe(renderHelp(HELP_TABLE['data import']!, 80).trimEnd());
  });

  it('answers only a plain help request, leaving everything else to commander', () => {
    expect(helpRequest(['--help'], HELP_TABLE)).toBe('');
    expect(helpRequest(['-h'], HELP_TABLE)).toBe('');
    expect(helpRequest(['scan', '--help'], HELP_TABLE)).toBe('scan');
    expect(helpRequest(['data', 'import', '-h'], HELP_TABLE)).toBe('data import');
    expect(helpRequest([], HELP_TABLE), 'no arguments: commander decides').toBeNull();
    expect(helpRequest(['scan', '--sim', '--help'], HELP_TABLE), 'an option before --help').toBeNull();
    expect(helpRequest(['--home', 'x', 'scan', '--help'], HELP_TABLE), 'a global option before the command').toBeNull();
    expect(helpRequest(['help', 'scan'], HELP_TABLE), 'the help command').toBeNull();
    expect(helpRequest(['nope', '--help'], HELP_TABLE), 'an unknown command: commander reports it').toBeNull();
    expect(helpRequest(['sweep', '--help'], HELP_TABLE), 'machine-dependent help').toBeNull();
    expect(helpRequest(['scan', '--help', '--sim'], HELP_TABLE)).toBeNull();
  });

  it('answers --version and -V alone', () => {
    expect(versionRequest(['--version'])).toBe(true);
    expect(versionRequest(['-V'])).toBe(true);
    expect(versionRequest(['scan', '--version'])).toBe(false);
    expect(versionRequest(['--version', '--help'])).toBe(false);
  });

  it('lays help out for the terminal width, or 80 columns when stdout is not a terminal', () => {
    expect(helpWidth({ isTTY: true, columns: 132 })).toBe(132);
    expect(helpWidth({ isTTY: false, columns: 132 })).toBe(80);
    expect(helpWidth({})).toBe(80);
  });
});
