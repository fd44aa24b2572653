/**
 * The served UI's URL with its token, from the environment `globalSetup.ts` fills (or an explicit
 * `PERPSCOPE_E2E_OPEN_URL`); null when no server was started.
 */
export function e2eAppUrl(): string | null {
  const open = process.env['PERPSCOPE_E2E_OPEN_URL'];
  if (open) return open;
  const base = process.env['PERPSCOPE_E2E_URL'];
  const token = process.env['PERPSCOPE_E2E_TOKEN'];
  return base && token ? `${base.replace(/\/$/, '')}/?token=${encodeURIComponent(token)}` : null;
}
