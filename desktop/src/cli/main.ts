#!/usr/bin/env node
import { processIo, runCli } from '@perpscope/sdk';
import { mcpCommand } from './mcpCommand.js';
import { serveCommand } from './serveCommand.js';

// The full `perpscope` command: every sdk command plus `serve` and `mcp`.
const code = await runCli(process.argv.slice(2), processIo(), [serveCommand, mcpCommand]);
process.exit(code);
