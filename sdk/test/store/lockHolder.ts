import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/holdHomeLock.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * A child process holding the lock on `home` (command `holdHomeLock fixture`), as a running trader
 * would; resolves once it printed that it holds it. `cleanups` gets a kill for the test's end.
 */
export function lockHolder(home: string, cleanups: (() => void)[]): Promise<{ pid: number; kill: () => Promise<void> }> {
  const p = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fixture, home], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const closed = new Promise<void>((resolve) => p.on('close', () => resolve()));
  cleanups.push(() => p.kill('SIGKILL'));
  let stderr = '';
  p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /locked (\d+)/.exec(out);
      if (m) {
        resolve({
          pid: Number(m[1]),
          kill: async () => {
            p.kill('SIGKILL');
            await closed;
          },
        });
      }
    });
    void closed.then(() => reject(new Error(`lock holder exited early: ${stderr}`)));
  });
}
