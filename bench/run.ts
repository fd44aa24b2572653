import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Each scenario runs in its own process so that one scenario's heap and JIT state never colour
// another's figures.
const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(join(here, 'scenarios'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown bench scenario(s): ${unknown.join(', ')}; expected one of: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'scenarios', `${name}.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
