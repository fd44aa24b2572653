/**
 * Where each BloFin documentation example lives: the fixture file it becomes, the section heading
 * of `index.md` in `blofin/blofin-api-docs` (first occurrence: the copy-trading chapter repeats
 * some headings later in the file) and the label of the example block inside that section.
 * One entry per REST endpoint and websocket channel Perpscope reaches through ccxt.
 */
export interface DocSection {
  /** Fixture file name under `test/fixtures/blofin-docs/`, without `.json`. */
  fixture: string;
  /** Section heading text, without the leading `### `. */
  section: string;
  /** The example's `> ...` label in the docs, without the leading `> ` and trailing colon. */
  label: string;
}

const REST = 'Response Example';

export const DOC_SECTIONS: readonly DocSection[] = [
  { fixture: 'market-instruments', section: 'GET Instruments', label: REST },
  { fixture: 'market-tickers', section: 'GET Tickers', label: REST },
  { fixture: 'market-books', section: 'GET Order Book', label: REST },
  { fixture: 'market-trades', section: 'GET Trades', label: REST },
  { fixture: 'market-mark-price', section: 'GET Mark Price', label: REST },
  { fixture: 'market-funding-rate', section: 'GET Funding Rate', label: REST },
  { fixture: 'market-funding-rate-history', section: 'GET Funding Rate History', label: REST },
  { fixture: 'market-candles', section: 'GET Candlesticks', label: REST },
  { fixture: 'account-balance', section: 'GET Futures Account Balance', label: REST },
  { fixture: 'account-positions', section: 'GET Positions', label: REST },
  { fixture: 'account-margin-mode', section: 'GET Margin Mode', label: REST },
  { fixture: 'account-set-margin-mode', section: 'Set Margin Mode', label: REST },
  { fixture: 'account-leverage-info', section: 'GET Leverage (Deprecated)', label: REST },
  { fixture: 'account-set-leverage', section: 'Set Leverage', label: REST },
  { fixture: 'trade-order', section: 'Place Order', label: REST },
  { fixture: 'trade-order-tpsl', section: 'Place TPSL Order', label: REST },
  { fixture: 'trade-cancel-order', section: 'Cancel Order', label: REST },
  { fixture: 'trade-cancel-tpsl', section: 'Cancel TPSL Order', label: REST },
  { fixture: 'trade-order-detail', section: 'GET Order Detail', label: REST },
  { fixture: 'trade-orders-pending', section: 'GET Active Orders', label: REST },
  { fixture: 'trade-orders-tpsl-pending', section: 'GET Active TPSL Orders', label: REST },
  { fixture: 'trade-order-tpsl-detail', section: 'GET TPSL Order Detail', label: REST },
  { fixture: 'trade-fills-history', section: 'GET Trade History', label: REST },
  { fixture: 'ws-trades', section: 'WS Trades Channel', label: 'Push Data Example' },
  { fixture: 'ws-candles', section: 'WS Candlesticks Channel', label: 'Push Data Example' },
  { fixture: 'ws-books-snapshot', section: 'WS Order Book Channel', label: 'Push Data Example:Full Snapshot' },
  { fixture: 'ws-books-update', section: 'WS Order Book Channel', label: 'Push Data Example:Incremental Data' },
  { fixture: 'ws-tickers', section: 'WS Tickers Channel', label: 'Push Data Example' },
  { fixture: 'ws-orders', section: 'WS Order Channel', label: 'Push Data Example' },
];
