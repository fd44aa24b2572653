/**
 * Order lifecycle in the ledger. NEW is the intent, committed before anything is sent.
 * UNKNOWN means the exchange may or may not hold the order (timeout after send); it is resolved
 * by looking the order up by client id. LOST means it was still not found after the last lookup.
 */
export const OrderState = {
  New: 'NEW',
  Sent: 'SENT',
  Ack: 'ACK',
  Unknown: 'UNKNOWN',
  Partial: 'PARTIAL',
  Filled: 'FILLED',
  Cancelled: 'CANCELLED',
  Rejected: 'REJECTED',
  Lost: 'LOST',
} as const;
export type OrderState = (typeof OrderState)[keyof typeof OrderState];

/** States in which the order may still be live on the exchange. */
export const OPEN_ORDER_STATES: readonly OrderState[] = ['NEW', 'SENT', 'ACK', 'UNKNOWN', 'PARTIAL'];

/**
 * Allowed moves. FILLED, CANCELLED and REJECTED are final. LOST is not: a reconciliation that
 * later finds the order by client id adopts it. NEW may jump ahead because a restart can find an
 * intent whose send outcome was never recorded.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = {
  NEW: ['SENT', 'ACK', 'UNKNOWN', 'PARTIAL', 'FILLED', 'CANCELLED', 'REJECTED', 'LOST'],
  SENT: ['ACK', 'UNKNOWN', 'PARTIAL', 'FILLED', 'CANCELLED', 'REJECTED', 'LOST'],
  ACK: ['UNKNOWN', 'PARTIAL', 'FILLED', 'CANCELLED', 'REJECTED', 'LOST'],
  UNKNOWN: ['ACK', 'PARTIAL', 'FILLED', 'CANCELLED', 'REJECTED', 'LOST'],
  PARTIAL: ['UNKNOWN', 'FILLED', 'CANCELLED', 'LOST'],
  LOST: ['ACK', 'PARTIAL', 'FILLED', 'CANCELLED'],
  FILLED: [],
  CANCELLED: [],
  REJECTED: [],
};

export function canTransition(from: OrderState, to: OrderState): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/**
 * An amend changes a working order's size or prices without changing its state, so it is not a
 * move of the state machine above (which has no same-state moves): it is recorded as a transition
 * row from a state to itself, reason `amended`, with the old and new values in its details. Only
 * an order the exchange holds and is still working can be amended: ACK or PARTIAL.
 */
export const AMENDABLE_ORDER_STATES: readonly OrderState[] = ['ACK', 'PARTIAL'];
export const AMENDED_REASON = 'amended';

export function canAmend(state: OrderState): boolean {
  return AMENDABLE_ORDER_STATES.includes(state);
}
