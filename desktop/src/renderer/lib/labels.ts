import { evidenceLabel, evidenceValue } from './chartFlags.js';

/**
 * Raw keys as words, through the chart's evidence labels (one vocabulary for every view):
 * `autotrade_skip` -> `autotrade skip`, `edge.require` -> `edge require`, `costPenalty` -> `cost penalty`.
 */
export function keyLabel(key: string): string {
  const camel = key.replace(/[_.\s]+(\w)/g, (_, c: string) => c.toUpperCase());
  return evidenceLabel(camel);
}

/** A named figure as `label value unit`, e.g. `spreadBps: 3.2` -> `spread 3.2 bp`. */
export function figureLine(key: string, value: number): string {
  return `${keyLabel(key)} ${evidenceValue(key, value)}`;
}
