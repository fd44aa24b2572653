/**
 * The order a signal cycle processes its bars in: by symbol, then timeframe, as plain string
 * comparisons (UTF-16 code units), so the result never depends on the order bars arrive in.
 */
export function compareSeries(aSymbol: string, aTimeframe: string, bSymbol: string, bTimeframe: string): number {
  return aSymbol < bSymbol ? -1 : aSymbol > bSymbol ? 1 : aTimeframe < bTimeframe ? -1 : aTimeframe > bTimeframe ? 1 : 0;
}
