export { computeSymbolMetrics, DEFAULT_TAKER_FEE_RATE, type SymbolMetrics } from './metrics.js';
export { robustZ, median, Z_CLIP } from './robust.js';
export { computeEdges, sideSign, type Edges } from './edges.js';
export {
  ProfileRegistry,
  ProfileWeightsSchema,
  ProfilesFileSchema,
  DEFAULT_PROFILES,
  profileRegistryFromJson,
  type ProfileWeights,
  type BuiltinProfileName,
} from './profiles.js';
export { RankingQuerySchema, parseRankingQuery, type RankingQuery, type RankingQueryInput } from './query.js';
export { rankEntries, scoreParts, sidedEdges, type RankingRow, type RankEntry, type ScoreParts, type SideBias } from './rank.js';
export { buildOpportunities, type Opportunity } from './opportunities.js';
export { Ranker, type RankerOptions, type RankingResult } from './ranker.js';
export {
  DEFAULT_RANKING_ORIENTATION,
  RankingOrientationFileSchema,
  parseRankingOrientationFile,
  rankingSide,
  SIDE_BASES,
  type RankingOrientationFile,
  type ProfileOrientation,
  type RankIcFigure,
  type RankingSide,
  type SideBasis,
} from './orientation.js';
export {
  crossVenueRows,
  crossVenueAssetKey,
  roundTripFeesBps,
  DEFAULT_CARRY_HORIZON_HOURS,
  type VenueQuote,
  type CrossVenueOptions,
  type CrossVenueLeg,
  type CrossVenueRow,
  type FundingSpreadRow,
  type BasisRow,
  type SkippedQuote,
  type CrossVenueResult,
} from './crossVenue.js';
