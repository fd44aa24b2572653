import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { PerpscopeError } from '../../src/core/errors.js';
import { RiskConfigSchema } from '../../src/risk/index.js';
import { openStore } from '../../src/store/index.js';
import { ManualOrders } from '../../src/trading/manualOrders.js';
import type { PaperBroker } from '../../src/trading/paperBroker.js';
import { createTradingStack } from '../../src/trading/tradingStack.js';
import { tempDir } from './helpers.js';

const SYMBOL = 'ABC/USDT:USDT';
const CAP_USD = 500;

function book(mid: number): OrderBook {
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let i = 1; i <= 10; i++) {
    bids.push([mid * (1 - 0.001 * i), 2]);
    asks.push([mid * (1 + 0.001 * i), 2]);
  }
  return { symbol: SYMBOL, timestampMs: 0, bids, asks };
}

const side = fc.constantFrom<'buy' | 'sell'>('buy', 'sell');
/** A uniform value in [min, max] (fast-check's doubles lean to edge values such as 1e-300). */
const uniform = (min: number, max: number) => fc.integer({ min: 0, max: 10_000 }).map((k) => min + ((max - min) * k) / 10_000);
/** Limit offsets from the mid, including absurd ones far through the market. */
const limitFactor = fc.oneof(uniform(0.95, 1.05), fc.constantFrom(0.001, 1000));
const op = fc.oneof(
  fc.record({ kind: fc.constant('book' as const), move: uniform(0.97, 1.03) }),
  fc.record({ kind: fc.constant('trade' as const), offset: uniform(-0.02, 0.02), amount: uniform(0.01, 20), side }),
  fc.record({ kind: fc.constant('market' as const), side, notionalUsd: uniform(5, 120) }),
  fc.record({ kind: fc.constant('limit' as const), side, factor: limitFactor, notionalUsd: uniform(5, 120) }),
  // Exits mostly rest on the profitable side within the trades' reach, so several can fill on one print.
  fc.record({ kind: fc.constant('exit' as const), type: fc.constantFrom('limit' as const, 'limit' as const, 'stop_market' as const, 'take_profit_market' as const), away: uniform(-0.005, 0.015), fraction: uniform(0.3, 1) }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('kill' as const), on: fc.boolean() }),
);

const signed = (p: { side: 'long' | 'short'; sizeBase: number } | undefined) => (p ? (p.side === 'long' ? p.sizeBase : -p.sizeBase) : 0);

describe('order path property: random order sequences on the paper broker', () => {
  it('exposure never exceeds the cap, no reduce-only fill flips a position, and the ledger equals the sum of fills', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 60 }), async (ops) => {
        const dir = tempDir('perpscope-orderpath-');
        const store = openStore({ home: dir.dir });
        try {
          const clock = new SimulatedClock(1_700_000_000_000);
          const stack = createTradingStack({
            mode: 'paper',
            store,
            clock,
            risk: RiskConfigSchema.parse({
              gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, cooldownMs: 0, maxPositions: 6, maxExposureUsd: CAP_USD, dailyLossLimitPct: null, maxManipScore: null, singlePositionPerSymbol: true },
              sizing: { mode: 'fixed', fixedNotionalUsd: 100, leverage: 2, minMarginUsd: 0 },
            }),
            exchangeId: 'blofin',
            paperMarket: () => ({ makerFee: 0.0002, takerFee: 0.0006, minAmount: 1e-6 }),
            home: dir.dir,
          });
          const paper = stack.broker as PaperBroker;
          await paper.start();
          const manual = new ManualOrders({ stack, clock });
          let mid = 100;
          paper.onOrderBook(SYMBOL, book(mid));
          const ctx = () => ({ referencePrice: mid, manipScore: null, quoteVolume24hUsd: 1e9, atrPct: 1 });
          const reduceOnlyFills: number[] = [];
          const entryFills: number[] = [];
          paper.on((e) => {
            if (e.type !== 'fill' || !e.fill.clientOrderId) return;
            const order = store.orders.get(e.fill.clientOrderId);
            (order?.reduceOnly ? reduceOnlyFills : entryFills).push(e.fill.amountBase);
          });
          const exposure = async () => (await paper.fetchPositions()).reduce((s, p) => s + p.sizeBase * (p.markPrice ?? p.entryPrice), 0);
          let n = 0;
          for (const o of ops) {
            n++;
            const before = (await paper.fetchPositions()).find((p) => p.symbol === SYMBOL);
            const exposureBefore = await exposure();
            reduceOnlyFills.length = 0;
            entryFills.length = 0;
            let priceMove = 1;
            try {
              if (o.kind === 'book') {
                mid *= o.move;
                priceMove = Math.max(o.move, 1 / o.move) * 1.01;
                paper.onOrderBook(SYMBOL, book(mid));
              } else if (o.kind === 'trade') {
                priceMove = 1 + Math.abs(o.offset) + 0.01;
                paper.onTrades(SYMBOL, [{ symbol: SYMBOL, id: `t${n}`, timestampMs: clock.nowMs(), price: mid * (1 + o.offset), amount: o.amount, side: o.side }]);
              } else if (o.kind === 'market') {
                await manual.place({ symbol: SYMBOL, side: o.side, type: 'market', notionalUsd: o.notionalUsd }, ctx());
              } else if (o.kind === 'limit') {
                await manual.place({ symbol: SYMBOL, side: o.side, type: 'limit', price: mid * o.factor, notionalUsd: o.notionalUsd }, ctx());
              } else if (o.kind === 'exit') {
                if (before) {
                  const exitSide = before.side === 'long' ? 'sell' : 'buy';
                  const price = mid * (1 + (exitSide === 'sell' ? 1 : -1) * (o.type === 'stop_market' ? -o.away : o.away));
                  await paper.placeOrder({
                    symbol: SYMBOL,
                    side: exitSide,
                    type: o.type,
                    amountBase: before.sizeBase * o.fraction,
                    ...(o.type === 'limit' ? { price } : { triggerPrice: price }),
                    reduceOnly: true,
                    tradeId: `x${n}`,
                    leg: 'exit',
                  });
                }
              } else if (o.kind === 'cancel') {
                const open = paper.openOrders();
                const target = open[o.pick % Math.max(1, open.length)];
                if (target) await paper.cancelOrder(target.clientOrderId);
              } else {
                stack.killSwitch.set(o.on, 'property test');
              }
            } catch (err) {
              // Refusals are expected; anything that is not a typed refusal is a bug.
              if (!(err instanceof PerpscopeError)) throw err;
            }
            const after = (await paper.fetchPositions()).find((p) => p.symbol === SYMBOL);
            // 1. Orders never take exposure over the cap (a price move may, and only by its size).
            const exposureAfter = await exposure();
            const allowed = Math.max(CAP_USD * 1.01, exposureBefore) * priceMove;
            expect(exposureAfter, `op ${n} ${o.kind}: exposure ${exposureAfter} over ${allowed}`).toBeLessThanOrEqual(allowed);
            // 2. A reduce-only fill only reduces: never past flat, never a flip.
            if (reduceOnlyFills.length > 0 && entryFills.length === 0) {
              const b = signed(before);
              const a = signed(after);
              expect(Math.abs(a), `op ${n}: reduce-only grew the position`).toBeLessThanOrEqual(Math.abs(b) + 1e-9);
              expect(a === 0 || Math.sign(a) === Math.sign(b), `op ${n}: reduce-only flipped ${b} to ${a}`).toBe(true);
            }
            // 3. The position is the sum of the fills; every order's filled amount is the sum of its fills.
            const fills = store.fills.since('paper', 0).filter((f) => f.symbol === SYMBOL);
            const net = fills.reduce((s, f) => s + (f.side === 'buy' ? f.amountBase : -f.amountBase), 0);
            expect(signed(after), `op ${n}: position vs fills`).toBeCloseTo(net, 8);
          }
          for (const ord of [...paper.openOrders(), ...store.orders.listByState('paper', 'CANCELLED'), ...store.orders.listByState('paper', 'FILLED')]) {
            const sum = store.fills.forOrder(ord.clientOrderId).reduce((s, f) => s + f.amountBase, 0);
            expect(ord.filledBase, `order ${ord.clientOrderId} (${ord.state}) vs its fills`).toBeCloseTo(sum, 9);
          }
          manual.dispose();
        } finally {
          store.close();
          dir.cleanup();
        }
      }),
      { numRuns: 80, seed: 20261205 },
    );
    // A bounded count of runs, not a time budget: the limit only has to outlast a loaded machine.
  }, 300_000);
});
