/** A mistake in the command line or environment: printed as one line, exit code 2, no stack. */
export class UsageError extends Error {}
