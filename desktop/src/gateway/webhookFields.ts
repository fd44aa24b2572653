/**
 * The fields a webhook alert may carry and the spellings accepted for each. TradingView templates
 * and other alert tools name the same thing differently; every spelling maps to one canonical key.
 */
export const WEBHOOK_FIELD_ALIASES = {
  secret: ['secret'],
  symbol: ['symbol', 'ticker'],
  side: ['side', 'action', 'order_action', 'signal'],
  price: ['price'],
  notionalUsd: ['notionalUsd', 'notional', 'size_usd'],
  amountBase: ['qty', 'amountBase', 'contracts'],
  id: ['id', 'idempotencyKey', 'alert_id'],
  time: ['time', 'timestamp'],
  /** Free text for the trader's own notes; read by nobody. */
  comment: ['comment'],
} as const;

export type WebhookField = keyof typeof WEBHOOK_FIELD_ALIASES;

/** Lower-cased spelling -> canonical field. Matching ignores case so `Ticker` and `TICKER` work too. */
const BY_SPELLING: ReadonlyMap<string, WebhookField> = new Map(
  (Object.entries(WEBHOOK_FIELD_ALIASES) as [WebhookField, readonly string[]][]).flatMap(([field, names]) => names.map((n) => [n.toLowerCase(), field] as const)),
);

/** The canonical field a key names, or undefined for an unknown key. */
export function canonicalField(key: string): WebhookField | undefined {
  return BY_SPELLING.get(key.toLowerCase());
}

/** Every accepted spelling, for error messages. */
export const ACCEPTED_SPELLINGS: readonly string[] = Object.values(WEBHOOK_FIELD_ALIASES).flat();

/** Side words and what they do: open or add long, open or add short, or close the whole position. */
export const SIDE_WORDS = {
  buy: 'buy',
  long: 'buy',
  sell: 'sell',
  short: 'sell',
  close: 'close',
  flat: 'close',
  exit: 'close',
} as const;

export type SideWord = keyof typeof SIDE_WORDS;
export type WebhookAction = (typeof SIDE_WORDS)[SideWord];

export function isSideWord(word: string): word is SideWord {
  return Object.prototype.hasOwnProperty.call(SIDE_WORDS, word.toLowerCase());
}
