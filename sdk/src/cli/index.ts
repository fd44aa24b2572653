export { runCli } from './runCli.js';
export { processIo, type CliIo } from './io.js';
export type { CliExtension, GlobalOptions } from './program.js';
export { intOption, listOption } from './parseOptions.js';
export { loadCliConfig } from './loadCliConfig.js';
export { createFileLogger, logFilePath } from '../core/fileLogger.js';
export { commanderHelpText, helpTableOf, type HelpEntry, type HelpItem, type HelpTable } from './helpTable.js';
