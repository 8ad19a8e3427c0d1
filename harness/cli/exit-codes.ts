/** faultline's exit codes, listed in `--help`. */
export const EXIT = {
  /** Everything holds. */
  ok: 0,
  /** An invariant, SLO, pact or breaking-change check failed. */
  failed: 1,
  /** Bad input or usage. */
  usage: 2,
  /** A checker could not decide. */
  unknown: 3,
  /** Internal error: a bug in faultline. */
  internal: 70,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0   everything holds
  1   an invariant, SLO, contract or pact check failed
  2   bad input or usage (unknown command or flag, invalid file)
  3   unknown: a checker could not decide
  70  internal error (a bug in faultline: please report it)`;

/** An expected failure caused by the user's input: printed as one message, exit 2, no stack. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
