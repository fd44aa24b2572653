import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random token: 32 bytes, URL-safe. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Constant-time token check. Both sides are hashed first so the comparison has a fixed length and
 * leaks neither the token's length nor its prefix.
 */
export function tokensMatch(expected: string, given: string | undefined): boolean {
  if (given === undefined || given.length === 0) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

/** Cookie that carries the token after the page was opened with `?token=`; per port, since cookies ignore ports. */
export function tokenCookieName(port: number): string {
  return `perpscope_token_${port}`;
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface PresentedToken {
  token: string | undefined;
  /** Where it came from; a query token on a page load is swapped for a cookie. */
  source: 'header' | 'query' | 'cookie' | 'none';
}

/** Finds the token a request presents: `Authorization: Bearer`, then `?token=`, then the cookie. */
export function presentedToken(headers: Record<string, string | string[] | undefined>, query: URLSearchParams, cookieName: string): PresentedToken {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return { token: m?.[1], source: 'header' };
  }
  const q = query.get('token');
  if (q !== null) return { token: q, source: 'query' };
  const cookie = readCookie(typeof headers.cookie === 'string' ? headers.cookie : undefined, cookieName);
  if (cookie !== undefined) return { token: cookie, source: 'cookie' };
  return { token: undefined, source: 'none' };
}
