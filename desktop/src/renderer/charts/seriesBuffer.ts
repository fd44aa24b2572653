/**
 * A growable row-major Float64Array holding `dims` numbers per row. ECharts reads typed-array
 * series data straight into its columnar store, skipping the per-item id/name work it does for
 * arrays of arrays: that is what keeps a 100k-candle history cheap to re-read on every update.
 */
export class SeriesBuffer {
  private data: Float64Array;
  private rows = 0;

  constructor(readonly dims: number, capacityRows = 1024) {
    this.data = new Float64Array(Math.max(1, capacityRows) * dims);
  }

  get length(): number {
    return this.rows;
  }

  clear(): void {
    this.rows = 0;
  }

  push(...values: number[]): void {
    if ((this.rows + 1) * this.dims > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data.set(values, this.rows * this.dims);
    this.rows++;
  }

  /** Value of dimension `dim` in row `row`. */
  get(row: number, dim: number): number {
    return this.data[row * this.dims + dim]!;
  }

  /** A view of rows `[fromRow, toRow)` of the filled rows (no copy). */
  view(fromRow = 0, toRow = this.rows): Float64Array {
    const from = Math.max(0, Math.min(fromRow, this.rows));
    const to = Math.max(from, Math.min(toRow, this.rows));
    return this.data.subarray(from * this.dims, to * this.dims);
  }
}
