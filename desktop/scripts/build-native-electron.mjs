#!/usr/bin/env node
// `pnpm --filter @perpscope/desktop native:electron`: builds better-sqlite3 and keytar for
// Electron's ABI into desktop/native/electron-<abi>/ (see docs/desktop-native-modules.md).
// `--runtime node` builds the same way for this Node, which is how the pipeline is tested.
import { buildNative, HELP, NativeBuildError, parseArgs } from './nativeBuild.mjs';

function main(argv) {
  if (process.env.PERPSCOPE_SKIP_NATIVE_BUILD === '1') {
    console.log('[native] skipped: PERPSCOPE_SKIP_NATIVE_BUILD=1 (the Electron app will not start until desktop/native/electron-<abi>/ is built)');
    return 0;
  }
  const options = parseArgs(argv);
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  buildNative(options);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof NativeBuildError)) throw e;
  console.error(`[native] ${e.message}`);
  process.exitCode = e.exitCode;
}
