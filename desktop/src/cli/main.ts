#!/usr/bin/env node
import { processIo, runCli } from '@perpscope/sdk/cli';
import { mcpCommand } from './mcpCommand.js';
import { serveCommand } from './serveCommand.js';

// The full `perpscope` command: every sdk command plus `serve` and `mcp`. Only the CLI's own
// subpath is loaded here: `--help` and each command pay for what they use, not the sdk barrel.
const code = await runCli(process.argv.slice(2), processIo(), [serveCommand, mcpCommand]);
process.exit(code);
