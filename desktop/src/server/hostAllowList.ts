import type { NetworkInterfaceInfo } from 'node:os';

/** Names every server answers to: the loopback address in both families and `localhost`. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** True for a bind to every interface (`--host 0.0.0.0`, `::`). */
export function isWildcardBind(bindHost: string): boolean {
  return WILDCARD_BINDS.has(bindHost.trim());
}

/** A host as it appears in a `Host` header: lowercase, IPv6 in brackets, no trailing dot. */
function normalize(name: string): string {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/**
 * The host name of a `Host` header without its port, normalized; null when the header is missing
 * or malformed (HTTP/1.1 requires it, so a request without one is refused).
 */
export function hostHeaderName(header: string | undefined): string | null {
  if (header === undefined) return null;
  const h = header.trim().toLowerCase();
  if (h.length === 0 || h.length > 255) return null;
  const m = h.startsWith('[') ? /^(\[[0-9a-f:.]+\])(?::\d{1,5})?$/.exec(h) : /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return m?.[1] ? normalize(m[1]) : null;
}

/**
 * The `Host` names the server accepts: loopback, the address it was bound to, any extra names the
 * user configured, and, for a wildcard bind (`--host 0.0.0.0`), this machine's own interface
 * addresses so the LAN can reach it by IP. A DNS-rebinding page always presents its own name,
 * which is none of these.
 */
export function allowedHostNames(bindHost: string, extra: readonly string[], interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): Set<string> {
  const names = new Set(LOOPBACK_HOSTS);
  if (isWildcardBind(bindHost)) {
    for (const infos of Object.values(interfaces)) for (const info of infos ?? []) if (!info.address.includes('%')) names.add(normalize(info.address));
  } else {
    names.add(normalize(bindHost));
  }
  for (const name of extra) names.add(normalize(name));
  return names;
}
