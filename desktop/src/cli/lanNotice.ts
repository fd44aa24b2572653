import type { NetworkInterfaceInfo } from 'node:os';
import { isWildcardBind } from '../server/hostAllowList.js';

const LOOPBACK_BINDS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * What `perpscope serve` prints when it binds anything but loopback: the server speaks plain HTTP,
 * so the token in the URL (and every order the page sends) crosses the network unencrypted, and a
 * wildcard bind's own URL (`http://0.0.0.0:...`) opens nothing on another machine. Lists the URLs
 * the LAN can use: this machine's non-internal IPv4 addresses for a wildcard bind, else the bound
 * address. Empty for a loopback bind.
 *
 * @example
 * for (const line of lanNotice('0.0.0.0', 8787, token, networkInterfaces())) out(line);
 */
export function lanNotice(bindHost: string, port: number, token: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const host = bindHost.trim().toLowerCase();
  if (LOOPBACK_BINDS.has(host)) return [];
  const addresses = isWildcardBind(host)
    ? Object.values(interfaces)
        .flatMap((infos) => infos ?? [])
        .filter((i) => i.family === 'IPv4' && !i.internal)
        .map((i) => i.address)
    : [host.includes(':') && !host.startsWith('[') ? `[${host}]` : host];
  const lines = [
    `warning: serving on ${bindHost} over plain HTTP: the token below, and every order sent from the page, travel unencrypted on the network. Use it only on a network you trust, or keep 127.0.0.1 and tunnel (ssh -L ${port}:127.0.0.1:${port}).`,
  ];
  if (addresses.length === 0) lines.push('warning: this machine has no non-loopback IPv4 address; other machines cannot reach it');
  for (const a of addresses) lines.push(`open from the LAN http://${a}:${port}/?token=${encodeURIComponent(token)}`);
  return lines;
}
