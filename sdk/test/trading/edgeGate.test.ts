import { describe, expect, it } from 'vitest';
import { buildEdgeEvidence, zOneSided, type SignalRecord } from '../../src/signals/evaluation/index.js';
import { compileEdgeEvidence, DEFAULT_EDGE_EVIDENCE, parseEdgeEvidenceFile, strategyEvidence, type EdgeEvidenceFile, type StrategyEvidence } from '../../src/signals/edgeEvidence.js';
import { EdgeGateConfigSchema, edgeDecision, edgeGateStatus } from '../../src/trading/edgeGate.js';
import type { RegimeKind, Signal } from '../../src/signals/types.js';

const provenance = DEFAULT_EDGE_EVIDENCE.provenance;

/** A record of one signal agreeing `strategies` in `regime`, returning `net` after costs. */
function rec(strategies: string[], regime: RegimeKind | null, net: number): SignalRecord {
  const signal = { regime, components: strategies.map((id) => ({ id, side: 'long', score: 1, weight: 1, level: null })) } as unknown as Signal;
  return { signal, features: {} as SignalRecord['features'], hit: net > 0 ? 1 : 0, outcome: net > 0 ? 'tp' : 'sl', tpPct: 0.02, slPct: 0.015, grossReturnPct: net, fundingPct: 0, netReturnPct: net, resolvedCloseTimeMs: 0 };
}

/** `n` returns alternating around `mean` with spread `sd` (sample sd close to `sd`). */
function series(n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, (_, i) => mean + (i % 2 === 0 ? sd : -sd));
}

function evidenceOf(records: SignalRecord[]): EdgeEvidenceFile {
  return buildEdgeEvidence(records, { id: 'ev-test', provenance, sample: 'synthetic', horizonBars: 12, tpAtrMult: 1.6, slAtrMult: 1.2 });
}

const ev = (over: Partial<StrategyEvidence>): StrategyEvidence => ({ strategy: 'a', regime: 'bull', signals: 500, hitRate: 0.4, meanNetPct: -0.1, correctedLowerBoundPct: -0.3, tradable: false, evidenceId: 'ev', ...over });
const gate = (input: unknown = {}) => EdgeGateConfigSchema.parse(input);

describe('edge evidence: cells and the Bonferroni-corrected bound', () => {
  it('a cell is tradable only when its lower bound stays above zero at the corrected confidence', () => {
    // Strategy "strong" in bull: mean 0.4 %, sd 1 % over 400 signals: se 0.05 %, t = 8.
    // Strategy "marginal" in bear: mean 0.1 %, sd 1 % over 400: t = 2, above 1.645 but below the corrected z.
    const recs = [...series(400, 0.004, 0.01).map((r) => rec(['strong'], 'bull', r)), ...series(400, 0.001, 0.01).map((r) => rec(['marginal'], 'bear', r)), ...series(10, 0.05, 0.01).map((r) => rec(['tiny'], 'chop', r))];
    const file = evidenceOf(recs);
    // Cells: strong/all, strong/bull, marginal/all, marginal/bear (tiny is below 30 signals and untested).
    expect(file.method.cellsTested).toBe(4);
    expect(file.cells.map((c) => `${c.strategy}/${c.regime ?? '*'}`)).toEqual(['marginal/*', 'marginal/bear', 'strong/*', 'strong/bull']);
    const marginal = file.cells.find((c) => c.strategy === 'marginal' && c.regime === 'bear')!;
    const se = (100 * Math.sqrt((400 * 0.01 ** 2) / 399)) / Math.sqrt(400);
    expect(marginal.lowerBoundPct, 'uncorrected 95 % bound, by hand').toBeCloseTo(0.1 - 1.644854 * se, 5);
    expect(marginal.lowerBoundPct).toBeGreaterThan(0);
    expect(marginal.correctedLowerBoundPct, 'corrected for 4 cells: z at 1 - 0.05 / 4').toBeCloseTo(0.1 - zOneSided(1 - 0.05 / 4) * se, 8);
    expect(marginal.tradable, 'a positive uncorrected bound is not enough').toBe(false);
    expect(file.cells.find((c) => c.strategy === 'strong' && c.regime === 'bull')!.tradable).toBe(true);
    expect(file.verdict).toBe('trade only strong, strong in bull: the cells whose lower bound of expectancy after costs stays above zero');
    expect(parseEdgeEvidenceFile(JSON.parse(JSON.stringify(file))), 'the file round-trips through its schema').toEqual(file);
  });

  it('with no positive cell the verdict is to trade nothing', () => {
    const file = evidenceOf(series(200, -0.002, 0.01).map((r) => rec(['x', 'y'], null, r)));
    expect(file.cells.every((c) => !c.tradable)).toBe(true);
    expect(file.cells.map((c) => c.regime)).toEqual([null, 'none', null, 'none']);
    expect(file.verdict).toMatch(/^trade nothing by default: no strategy or strategy x regime cell of 4 /);
  });

  it('a signal carries the regime cell when measured, else the all-regime cell; tradable if either is', () => {
    const recs = [...series(400, 0.004, 0.01).map((r) => rec(['s'], 'bull', r)), ...series(100, -0.001, 0.01).map((r) => rec(['s'], 'bear', r))];
    const compiled = compileEdgeEvidence(evidenceOf(recs));
    const bull = strategyEvidence(compiled, 's', '1h', 'bull')!;
    expect(bull).toMatchObject({ strategy: 's', regime: 'bull', signals: 400, tradable: true, evidenceId: 'ev-test' });
    const bear = strategyEvidence(compiled, 's', '1h', 'bear')!;
    expect(bear.regime, 'the bear cell is shown').toBe('bear');
    expect(bear.meanNetPct).toBeLessThan(0);
    expect(bear.tradable, 'the all-regime cell backs it').toBe(compiled.cells.get('s\u0000*')!.tradable);
    expect(strategyEvidence(compiled, 's', '1h', 'panic'), 'an unmeasured regime shows the all-regime cell').toMatchObject({ regime: null, signals: 500 });
    expect(strategyEvidence(compiled, 's', '15m', 'bull'), 'evidence for 1h says nothing about 15m').toBeNull();
    expect(strategyEvidence(compiled, 'other', '1h', 'bull')).toBeNull();
  });

  it('a bad evidence file is refused naming the field', () => {
    const bad = { ...DEFAULT_EDGE_EVIDENCE, cells: [{ ...DEFAULT_EDGE_EVIDENCE.cells[0]!, hitRate: 1.5 }] };
    expect(() => parseEdgeEvidenceFile(bad)).toThrow(/cells\.0\.hitRate/);
  });

  it('the shipped evidence is the fitting set’s, measured on 1h, and backs no strategy', () => {
    expect(DEFAULT_EDGE_EVIDENCE.provenance).toMatchObject({ dataset: 'binance-usdm-2024-10-2025-03', timeframe: '1h' });
    expect(DEFAULT_EDGE_EVIDENCE.method.cellsTested).toBe(DEFAULT_EDGE_EVIDENCE.cells.length);
    expect(DEFAULT_EDGE_EVIDENCE.cells.length).toBeGreaterThan(0);
    expect(DEFAULT_EDGE_EVIDENCE.cells.filter((c) => c.tradable)).toEqual([]);
  });
});

describe('edge gate decisions', () => {
  const input = { strategies: ['a', 'b'], timeframe: '1h', regime: 'bull' };

  it('refuses a signal no tradable cell backs, naming each strategy’s record and the unmeasured ones', () => {
    const d = edgeDecision(gate(), { ...input, evidence: [ev({ strategy: 'a' })] });
    expect(d).toMatchObject({ allowed: false, basis: 'no_edge' });
    expect(d.message).toBe('no out-of-sample edge: a in bull: -0.100 %, corrected lower bound -0.300 % over 500 signals; no out-of-sample record for b on 1h in bull');
  });

  it('allows a signal with one tradable strategy, an overridden strategy, or everything with the gate off', () => {
    expect(edgeDecision(gate(), { ...input, evidence: [ev({ strategy: 'a' }), ev({ strategy: 'b', tradable: true, meanNetPct: 0.2 })] })).toMatchObject({ allowed: true, basis: 'evidence', strategy: 'b' });
    expect(edgeDecision(gate({ overrides: ['b'] }), { ...input, evidence: [] })).toMatchObject({ allowed: true, basis: 'override', strategy: 'b' });
    expect(edgeDecision(gate({ overrides: ['c'] }), { ...input, evidence: [] }).allowed, 'an override of a strategy that did not agree does not count').toBe(false);
    expect(edgeDecision(gate({ require: false }), { ...input, evidence: [] })).toMatchObject({ allowed: true, basis: 'gate_off' });
  });

  it('the status says when the trader trades nothing, and names overrides', () => {
    const none = edgeGateStatus(gate(), DEFAULT_EDGE_EVIDENCE);
    expect(none).toMatchObject({ require: true, tradesNothing: true, tradable: [], evidenceId: DEFAULT_EDGE_EVIDENCE.id, timeframe: '1h' });
    expect(edgeGateStatus(gate(), null)).toMatchObject({ tradesNothing: true, evidenceId: null });
    const over = edgeGateStatus(gate({ overrides: ['ema-cross'] }), DEFAULT_EDGE_EVIDENCE);
    expect(over.tradesNothing).toBe(false);
    expect(over.message).toMatch(/Traded by override, without evidence: ema-cross\.$/);
    expect(edgeGateStatus(gate({ require: false }), DEFAULT_EDGE_EVIDENCE)).toMatchObject({ require: false, tradesNothing: false });
    const backed = evidenceOf(series(400, 0.004, 0.01).map((r) => rec(['s'], 'bull', r)));
    expect(edgeGateStatus(gate(), backed)).toMatchObject({ tradesNothing: false, tradable: ['s', 's in bull'] });
  });
});
