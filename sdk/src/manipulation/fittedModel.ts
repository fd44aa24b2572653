import type { LogisticModel } from './logistic.js';

/**
 * Written by `scripts/eval-manipulation-v2.ts --write-model`; do not edit by hand. Fitted on
 * 282790 labelled hours of ../shared/data before 2025-09-30 00:00 UTC
 * (L2 0.1, chosen by monthly walk-forward).
 */
export const FITTED_RADAR_MODEL: LogisticModel = {
  features: ['spoofing_depth_imbalance', 'liquidity_vacuum', 'scam_wick', 'exhausted_spike', 'funding_divergence', 'oi_price_divergence', 'post_surge_reversal', 'wash_trade_volume', 'fresh_listing', 'collapse', 'pump_onset', 'volumeZPos', 'absVelocityAtr', 'volRegimeExcess', 'logAtrPct', 'absRet24', 'logQuoteVolume24h'],
  mean: [0, 0, 0.00029, 0.001626, 0, 0, 0.012785, 0, 0, 0.00009, 0.00194, 0.041436, 0.055117, 0.040753, 0.547033, 0.048115, 7.951326],
  std: [1, 1, 0.014003, 0.032958, 1, 1, 0.088214, 1, 1, 0.006964, 0.037325, 0.109888, 0.049141, 0.073329, 0.510715, 0.058415, 0.995388],
  intercept: -0.749494,
  coef: [8, 7, -0.027171, -0.003431, 7, 7, 0.071692, 5, 6, -0.026012, 0.012529, 0.005769, 0.029697, -0.089818, 0.852217, 0.225285, 0.123902],
};
