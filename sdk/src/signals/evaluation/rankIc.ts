import { averageRanks } from './ranks.js';

/** Spearman rank correlation (Pearson over average ranks); NaN below three pairs or with a constant side. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n < 3) return Number.NaN;
  const rx = averageRanks(x);
  const ry = averageRanks(y);
  const mean = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mean;
    const dy = ry[i]! - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/** One cross-section: a score and the realized (side-signed) forward return of each member. */
export interface CrossSection {
  timeMs: number;
  score: ArrayLike<number>;
  forward: ArrayLike<number>;
}

/** Mean rank IC over cross-sections with its t-statistic. */
export interface IcSummary {
  /** Cross-sections used (finite IC). */
  windows: number;
  meanIc: number;
  /** mean / (sd / sqrt(windows)): valid only when the windows do not overlap in their forward returns. */
  tStat: number;
}

/**
 * Summarises per-cross-section ICs. Callers pass cross-sections `horizon` apart, so the forward
 * returns of two windows never overlap and the t-statistic is not inflated by autocorrelation.
 */
export function summarizeIc(ics: ArrayLike<number>): IcSummary {
  const vals: number[] = [];
  for (let i = 0; i < ics.length; i++) if (Number.isFinite(ics[i]!)) vals.push(ics[i]!);
  const n = vals.length;
  const mean = n > 0 ? vals.reduce((a, b) => a + b, 0) / n : Number.NaN;
  const sd = n > 1 ? Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  return { windows: n, meanIc: mean, tStat: sd > 0 ? mean / (sd / Math.sqrt(n)) : Number.NaN };
}

/** Rank IC of every cross-section, skipping members whose score or forward return is not finite. */
export function crossSectionIcs(sections: readonly CrossSection[]): number[] {
  return sections.map((s) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < s.score.length; i++) {
      if (Number.isFinite(s.score[i]!) && Number.isFinite(s.forward[i]!)) {
        xs.push(s.score[i]!);
        ys.push(s.forward[i]!);
      }
    }
    return spearman(xs, ys);
  });
}

/** Top-decile against the whole cross-section: mean forward return and share above zero of each. */
export interface TopDecileStats {
  sections: number;
  topMean: number;
  allMean: number;
  topHitRate: number;
  allHitRate: number;
}

/**
 * Mean forward return and hit rate (share > 0) of the top `fraction` by score in each
 * cross-section (at least one member), pooled over sections, against the same for all members.
 */
export function topDecileStats(sections: readonly CrossSection[], fraction = 0.1): TopDecileStats {
  let topSum = 0;
  let topHits = 0;
  let topN = 0;
  let allSum = 0;
  let allHits = 0;
  let allN = 0;
  let used = 0;
  for (const s of sections) {
    const idx: number[] = [];
    for (let i = 0; i < s.score.length; i++) if (Number.isFinite(s.score[i]!) && Number.isFinite(s.forward[i]!)) idx.push(i);
    if (idx.length === 0) continue;
    used++;
    idx.sort((a, b) => s.score[b]! - s.score[a]!);
    const k = Math.max(1, Math.floor(idx.length * fraction));
    idx.forEach((i, rank) => {
      const r = s.forward[i]!;
      allSum += r;
      allN++;
      if (r > 0) allHits++;
      if (rank < k) {
        topSum += r;
        topN++;
        if (r > 0) topHits++;
      }
    });
  }
  return { sections: used, topMean: topSum / topN, allMean: allSum / allN, topHitRate: topHits / topN, allHitRate: allHits / allN };
}
