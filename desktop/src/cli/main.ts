#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { HELP_TABLE } from './helpTable.generated.js';
import { helpRequest, helpWidth, renderHelp, versionRequest } from './helpText.js';

const argv = process.argv.slice(2);

/** The sdk's version, read as the sdk's own `cliVersion()` reads it: from its package.json, without loading the sdk. */
function sdkVersion(): string {
  try {
    const raw = JSON.parse(readFileSync(new URL('../../package.json', import.meta.resolve('@perpscope/sdk/cli')), 'utf8')) as { version?: unknown };
    return typeof raw.version === 'string' ? raw.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

// `--help`, `<command> --help` and `--version` print from a generated table: no commander, zod,
// config schema or command module is loaded for them. Everything else goes to the full CLI.
let code = 0;
const helpPath = helpRequest(argv, HELP_TABLE);
if (helpPath !== null) {
  process.stdout.write(`${renderHelp(HELP_TABLE[helpPath]!, helpWidth(process.stdout)).trimEnd()}\n`);
} else if (versionRequest(argv)) {
  process.stdout.write(`${sdkVersion()}\n`);
} else {
  // The full `perpscope` command: every sdk command plus `serve` and `mcp`. Only the CLI's own
  // subpath is loaded here: each command pays for what it uses, not the sdk barrel.
  const [{ processIo, runCli }, { serveCommand }, { mcpCommand }] = await Promise.all([import('@perpscope/sdk/cli'), import('./serveCommand.js'), import('./mcpCommand.js')]);
  code = await runCli(argv, processIo(), [serveCommand, mcpCommand]);
}
process.exit(code);
