import type { TradingStatusView } from '@perpscope/shared';

type Halt = NonNullable<TradingStatusView['halt']>;

/** What the halt banner says and offers; null when the broker takes orders. */
export interface HaltBannerText {
  title: string;
  detail: string;
  /** Only an error-burst halt can be lifted from the app; an authentication halt needs the key fixed. */
  canResume: boolean;
}

/**
 * The live broker's halt in words. An error burst stops new entries only (exits still go out) and
 * the trader may resume them once the cause is understood; a refused key stops every order.
 */
export function haltBannerText(halt: TradingStatusView['halt'], sinceText: (ms: number) => string): HaltBannerText | null {
  if (!halt) return null;
  const since = sinceText(halt.sinceMs);
  return byReason[halt.reason](halt, since);
}

const byReason: Record<Halt['reason'], (h: Halt, since: string) => HaltBannerText> = {
  error_burst: (h, since) => ({ title: `New entries halted since ${since}: a burst of failed exchange calls`, detail: `${h.message}. Exits and protective orders still go out.`, canResume: true }),
  authentication: (h, since) => ({ title: `Trading halted since ${since}: the exchange refused the API key`, detail: `${h.message} Every order is refused until then.`, canResume: false }),
};
