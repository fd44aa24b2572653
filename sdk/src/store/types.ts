/** Paper and live rows never mix: every trading query filters on the ledger. */
export const Ledger = { Paper: 'paper', Live: 'live' } as const;
export type Ledger = (typeof Ledger)[keyof typeof Ledger];

export type OrderSide = 'buy' | 'sell';
export type PositionSide = 'long' | 'short';
export type MarginMode = 'cross' | 'isolated';
