/** How long BloFin refuses a repeated ACCESS-NONCE. */
export const NONCE_REUSE_WINDOW_MS = 60_000;

/**
 * The nonces seen in the last {@link NONCE_REUSE_WINDOW_MS}: BloFin refuses a private request
 * whose ACCESS-NONCE was used within that window (code 152407, ccxt's InvalidNonce), even with a
 * valid signature.
 */
export class NonceRegistry {
  private readonly seenAtMs = new Map<string, number>();

  /** Records `nonce` at `nowMs`; false when it was already used inside the window. */
  admit(nonce: string, nowMs: number): boolean {
    this.forgetBefore(nowMs - NONCE_REUSE_WINDOW_MS);
    const prior = this.seenAtMs.get(nonce);
    if (prior !== undefined && nowMs - prior < NONCE_REUSE_WINDOW_MS) return false;
    this.seenAtMs.delete(nonce);
    this.seenAtMs.set(nonce, nowMs);
    return true;
  }

  /** Map iteration follows insertion, which follows time: stop at the first fresh entry. */
  private forgetBefore(cutoffMs: number): void {
    for (const [nonce, atMs] of this.seenAtMs) {
      if (atMs > cutoffMs) break;
      this.seenAtMs.delete(nonce);
    }
  }
}
