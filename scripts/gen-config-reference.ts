/**
 * Writes docs/configuration.md from the config schema:
 *   node --import tsx scripts/gen-config-reference.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configKeys, renderConfigReference } from '../sdk/test/config/configReference.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'configuration.md');
writeFileSync(target, renderConfigReference());
console.log(`wrote ${target}: ${configKeys().length} keys`);
