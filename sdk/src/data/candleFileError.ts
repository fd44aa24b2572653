import { InvalidInputError, type FieldIssue } from '../core/errors.js';

/** Issues kept per file: enough to fix a file in one pass without flooding the terminal. */
const MAX_ISSUES = 20;

/**
 * A data file that cannot be read as it is. Each issue names the position
 * (`line 12, column 3 (high)`), the value found and what was expected; the message starts with
 * what the file is and its path.
 */
export class DataFileError extends InvalidInputError {
  override readonly name: string = 'DataFileError';
  constructor(
    what: string,
    readonly file: string,
    issues: readonly FieldIssue[],
    /** Issues found, including those beyond the ones listed. */
    readonly issueCount: number = issues.length,
  ) {
    super(`${what} ${file}${issueCount > issues.length ? ` (first ${issues.length} of ${issueCount} problems shown)` : ''}`, issues);
  }
}

/** A candle file that cannot be imported as it is (see {@link DataFileError}). */
export class CandleFileError extends DataFileError {
  override readonly name: string = 'CandleFileError';
  constructor(file: string, issues: readonly FieldIssue[], issueCount: number = issues.length) {
    super('candle file', file, issues, issueCount);
  }
}

/** Collects the problems of one file, so that one error lists them all (up to a limit). */
export class FileIssues {
  private readonly kept: FieldIssue[] = [];
  private total = 0;

  constructor(
    readonly file: string,
    private readonly positionName: 'line' | 'row' = 'line',
    /** The error the collected problems become (default: a candle file's). */
    private readonly toError: (file: string, issues: readonly FieldIssue[], count: number) => DataFileError = (f, i, n) => new CandleFileError(f, i, n),
  ) {}

  get count(): number {
    return this.total;
  }

  /** A problem in one cell; `column` is 1-based. */
  cell(position: number, column: number, columnName: string, received: string, expected: string): void {
    this.add(`${this.positionName} ${position}, column ${column} (${columnName})`, JSON.stringify(received), expected);
  }

  /** A problem with a whole row, or the file. */
  add(path: string, received: string, expected: string): void {
    this.total++;
    if (this.kept.length < MAX_ISSUES) this.kept.push({ path, received, expected });
  }

  /** Throws the file's error when anything was collected. */
  throwIfAny(): void {
    if (this.total > 0) throw this.toError(this.file, this.kept, this.total);
  }

  /** Adds a problem that stops the file and returns the error to throw. */
  fatal(path: string, received: string, expected: string): DataFileError {
    this.add(path, received, expected);
    return this.toError(this.file, this.kept, this.total);
  }
}
