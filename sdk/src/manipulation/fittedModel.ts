import type { LogisticModel } from './logistic.js';

/**
 * Written by `scripts/eval-manipulation-v2.ts --write-model`; do not edit by hand. Fitted on
 * 282790 labelled hours of ../shared/data before 2025-09-30 00:00 UTC
 * (L2 0.1, chosen by monthly walk-forward).
 */
export const FITTED_RADAR_MODEL: LogisticModel = {
  features: ['spoofing_depth_imbalance', 'liquidity_vacuum', 'scam_wick', 'exhausted_spike', 'funding_divergence', 'oi_price_divergence', 'post_surge_reversal', 'wash_trade_volume', 'fresh_listing', 'collapse', 'pump_onset', 'volumeZPos', 'absVelocityAtr', 'volRegimeExcess', 'logAtrPct', 'absRet24', 'logQuoteVolume24h'],
  mean: [0, 0, 0.00029, 0.001626, 0, 0, 0.012785, 0, 0, 0.00009, 0.002009, 0.041436, 0.055117, 0.040753, 0.547033, 0.048115, 7.951326],
  std: [1, 1, 0.014003, 0.032958, 1, 1, 0.088214, 1, 1, 0.006964, 0.037935, 0.109888, 0.049141, 0.073329, 0.510715, 0.058415, 0.995388],
  intercept: -0.749493,
  coef: [8, 7, -0.026937, -0.003412, 7, 7, 0.071712, 5, 6, -0.026028, 0.010644, 0.006034, 0.030237, -0.089852, 0.852248, 0.225453, 0.123884],
};
