/** A failure the operator can act on: printed as its message and detail lines, then exit 1. */
export class CliError extends Error {
  constructor(message: string, readonly details: string[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
  }
}
