/** Exit codes and the error that means "the command line was wrong". */

/** Exit codes, as documented in `--help` and the README. */
export const EXIT = {
  /** Everything succeeded (for `verify`: same person). */
  ok: 0,
  /** Some inputs failed; every good result was still written (for `verify`: different person). */
  partial: 1,
  /** Usage error or a fatal error before any result (bad flags, unreadable gallery or model). */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT); stderr says what was saved. */
  interrupted: 130,
  /** stdout was closed early (`| head`): output stopped quietly, as Unix tools do. */
  pipe: 141,
} as const;

/** A mistake in the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
