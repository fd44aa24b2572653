import { createSignalEngine, replaySignals, type Signal, type SignalEngineConfigInput } from '../../../src/signals/index.js';
import { BASELINE_ANCHOR, baselineDataset } from './dataset.js';

/** The configuration the baseline is generated with: defaults, anchored on the dataset's BTC. */
export const BASELINE_CONFIG: SignalEngineConfigInput = { regime: { anchorSymbol: BASELINE_ANCHOR, anchorTimeframe: '1h' } };

/**
 * Numbers are kept to 8 significant digits: enough to catch any change of logic, while a change in
 * the last bits of a floating-point sum (a reordered indicator loop) does not count as a regression.
 */
function r(x: number): string {
  return String(Number(x.toPrecision(8)));
}

/**
 * One signal as one readable line, so a diff of the committed file shows which signals changed:
 * `time symbol timeframe side id score p ev regime components(:strength) stop tp plan`. Tags and
 * blend weights are left out: tags follow from the components and regime, and the weights from
 * the score.
 */
function line(s: Signal): string {
  const components = s.components.map((c) => `${c.id}:${r(c.score)}`).join(',');
  const plan = s.entryPlan ? `plan=${r(s.entryPlan.sizeBase)}` : 'plan=-';
  return [
    new Date(s.openTimeMs).toISOString().slice(0, 16),
    s.symbol,
    s.timeframe,
    s.side,
    s.id.slice(0, 12),
    `score=${r(s.score)}`,
    `p=${r(s.probability)}`,
    `ev=${r(s.expectedValue)}`,
    `regime=${s.regime ?? '-'}`,
    components,
    `sl=${r(s.levels.stop)}`,
    `tp=${r(s.levels.takeProfit)}`,
    plan,
  ].join(' ');
}

export interface SignalBaseline {
  dataset: string;
  cycles: number;
  candidates: number;
  matured: number;
  finalWeights: Record<string, string>;
  signals: string[];
}

/** Runs the engine over the baseline dataset and returns what the committed file holds. */
export function generateSignalBaseline(): SignalBaseline {
  const engine = createSignalEngine(BASELINE_CONFIG);
  const result = replaySignals(engine, baselineDataset());
  return {
    dataset: 'baselineDataset(20 symbols, 600 bars, 15m + 1h, seed 42)',
    cycles: result.cycles,
    candidates: result.candidates,
    matured: result.matured,
    finalWeights: Object.fromEntries([...engine.weights()].map(([k, v]) => [k, r(v)])),
    signals: result.signals.map(line),
  };
}
