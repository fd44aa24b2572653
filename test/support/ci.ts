/** True under CI (`CI=true`, as `.ci/run` sets it): there a missing test input is an error, not a skip. */
export function isCi(): boolean {
  return /^(true|1)$/i.test(process.env.CI ?? '');
}

/**
 * Reports a missing test input (data set, keychain). Under CI it throws, so the suite fails with
 * `reason` instead of passing with tests silently skipped; elsewhere it prints the reason once and
 * the caller skips.
 */
export function missingInput(reason: string): void {
  if (isCi()) throw new Error(`${reason}. Under CI=true a missing test input is an error, not a skip.`);
  console.warn(`skipped: ${reason}`);
}
