#!/usr/bin/env node
import { processIo, runCli } from '@perpscope/sdk';
import { serveCommand } from './serveCommand.js';

// The full `perpscope` command: every sdk command plus `serve`.
const code = await runCli(process.argv.slice(2), processIo(), [serveCommand]);
process.exit(code);
