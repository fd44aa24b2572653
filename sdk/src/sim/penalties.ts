import type { RateWindow } from './rateLimiter.js';

/** A suspension BloFin imposes on an IP that overflows one of its request windows. */
export interface RatePenalty {
  /** The window whose overflow triggers it (see BLOFIN_REST_WINDOWS). */
  windowMs: number;
  suspendMs: number;
}

/** BloFin's penalties: past 500/min the IP is suspended for 5 minutes, past 1,500/5 min for an hour. */
export const BLOFIN_REST_PENALTIES: readonly RatePenalty[] = [
  { windowMs: 60_000, suspendMs: 300_000 },
  { windowMs: 300_000, suspendMs: 3_600_000 },
];

/**
 * The IP suspension of the sim's single client address. While suspended, BloFin's firewall
 * answers every request with 403 before any rate window sees it. Runs on the same clock as the
 * rate limiter, so a test that injects one moves both.
 */
export class IpSuspension {
  private untilMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number,
    private readonly penalties: readonly RatePenalty[] = BLOFIN_REST_PENALTIES,
  ) {}

  /** True while a suspension is in force. */
  active(): boolean {
    return this.now() < this.untilMs;
  }

  /** When the current suspension ends (ms on the limiter's clock), or null when none is in force. */
  endsAtMs(): number | null {
    return this.active() ? this.untilMs : null;
  }

  /** Starts the penalty for overflowing `window` (a longer one already in force is kept). */
  punish(window: RateWindow): void {
    const penalty = this.penalties.find((p) => p.windowMs === window.windowMs);
    if (penalty) this.untilMs = Math.max(this.untilMs, this.now() + penalty.suspendMs);
  }

  /** Lifts any suspension. */
  lift(): void {
    this.untilMs = Number.NEGATIVE_INFINITY;
  }
}
