import { describe, expect, it } from 'vitest';
import type { AlertView, FillView, SignalView } from '@perpscope/shared';
import { DEFAULT_ALERT_PREFS, parseAlertPrefs, pushToast, toastFor, type AlertPrefs, type Toast } from '../../src/renderer/lib/alertRules.js';

const fill: FillView = { id: 'f1', orderId: 'o1', symbol: 'BTC/USDT:USDT', side: 'buy', price: 75843, amountBase: 0.001, feeUsd: 0.0455, liquidity: 'taker', atMs: 1, exitReason: null };
const signal: SignalView = {
  id: 's1', symbol: 'ETH/USDT:USDT', timeframe: '15m', side: 'short', score: -2.5, calibrated: false, probability: 0.5, expectedValue: null,
  tags: [], components: {}, entryPrice: 3000, stopPrice: 3030, targetPrices: [2950], createdAtMs: 1,
};
const manip: AlertView = { id: 'm1', level: 'warn', kind: 'manipulation', message: 'SOL: scam wick (severity 80%)', symbol: 'SOL/USDT:USDT', atMs: 1 };
const prefs = (over: Partial<AlertPrefs> = {}): AlertPrefs => ({ ...DEFAULT_ALERT_PREFS, ...over });

describe('renderer: in-app alert rules', () => {
  it('a fill raises a toast naming side, symbol, size, price and fee; an exit names its reason', () => {
    expect(toastFor({ event: 'fill', data: fill }, prefs())).toEqual({
      id: 'fill:f1', kind: 'fill', level: 'info', title: 'BUY BTC filled', body: '0.001 @ 75843 · fee 0.0455 USD · taker', symbol: 'BTC/USDT:USDT',
    });
    expect(toastFor({ event: 'fill', data: { ...fill, side: 'sell', exitReason: 'tp1' } }, prefs())?.title).toBe('SELL BTC closed (tp1)');
  });
  it('each kind is raised only when chosen', () => {
    expect(toastFor({ event: 'fill', data: fill }, prefs({ fills: false }))).toBeNull();
    expect(toastFor({ event: 'signal', data: signal }, prefs()), 'signals are off by default').toBeNull();
    expect(toastFor({ event: 'signal', data: signal }, prefs({ signals: true }))?.title).toBe('Signal SHORT ETH 15m');
    expect(toastFor({ event: 'alert', data: manip }, prefs())?.kind).toBe('manipulation');
    expect(toastFor({ event: 'alert', data: manip }, prefs({ manipulation: false }))).toBeNull();
  });
  it('a signal below the chosen strength is quiet (strength is |score|, shorts included)', () => {
    expect(toastFor({ event: 'signal', data: signal }, prefs({ signals: true, signalMinScore: 3 }))).toBeNull();
    expect(toastFor({ event: 'signal', data: signal }, prefs({ signals: true, signalMinScore: 2 }))).not.toBeNull();
  });
  it('only manipulation and market-stress host alerts count as flags', () => {
    expect(toastFor({ event: 'alert', data: { ...manip, kind: 'killSwitch' } }, prefs())).toBeNull();
    expect(toastFor({ event: 'alert', data: { ...manip, kind: 'market_stress', symbol: null } }, prefs())?.title).toBe('Market stress');
  });
  it('stored preferences are read field by field; garbage takes the defaults', () => {
    expect(parseAlertPrefs({ fills: false, sound: true, signalMinScore: 2, desktop: 'yes' })).toEqual({ ...DEFAULT_ALERT_PREFS, fills: false, sound: true, signalMinScore: 2 });
    expect(parseAlertPrefs([1, 2])).toEqual(DEFAULT_ALERT_PREFS);
    expect(parseAlertPrefs({ signalMinScore: -1 }).signalMinScore).toBeNull();
  });
  it('the toast list keeps the newest few and never the same event twice', () => {
    const t = (id: string): Toast => ({ id, kind: 'fill', level: 'info', title: id, body: '', symbol: null });
    let list: Toast[] = [];
    for (const id of ['1', '2', '3']) list = pushToast(list, t(id), 2);
    expect(list.map((x) => x.id)).toEqual(['3', '2']);
    expect(pushToast(list, t('3'), 2).map((x) => x.id)).toEqual(['3', '2']);
  });
});
