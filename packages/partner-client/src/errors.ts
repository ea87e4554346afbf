import { PartnerErrorCode } from '@sutasoma/contracts';

/** A partner call that did not produce a usable answer. `retryable` decides the job's fate. */
export class PartnerError extends Error {
  override name = 'PartnerError';
  readonly code: PartnerErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  /** For an open breaker: how long until it lets a probe through. */
  readonly retryAfterMs: number | undefined;

  constructor(code: PartnerErrorCode, message: string, opts: { retryable: boolean; status?: number; cause?: unknown; retryAfterMs?: number }) {
    super(message, { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}
