/**
 * Regenerates the signal-engine baseline after a deliberate change of signal logic:
 *   npx tsx scripts/regen-signal-baseline.ts
 * then review the diff of sdk/test/signals/baseline/expected-signals.json and commit it with the
 * change that caused it.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSignalBaseline } from '../sdk/test/signals/baseline/generate.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'sdk', 'test', 'signals', 'baseline', 'expected-signals.json');
const baseline = generateSignalBaseline();
writeFileSync(target, `${JSON.stringify(baseline, null, 2)}\n`);
console.log(`wrote ${target}: ${baseline.signals.length} signals over ${baseline.cycles} cycles`);
