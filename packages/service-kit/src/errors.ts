import { ErrorCode, type FieldError } from '@sutasoma/contracts';

export interface AppErrorOptions {
  detail?: string;
  errors?: FieldError[];
  cause?: unknown;
  headers?: Record<string, string>;
}

/** An error a client should see as problem+json, with a stable code. */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: string;
  readonly statusCode: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(statusCode: number, code: string, title: string, opts: AppErrorOptions = {}) {
    super(opts.detail ?? title, { cause: opts.cause });
    this.statusCode = statusCode;
    this.code = code;
    this.title = title;
    this.errors = opts.errors;
    this.headers = opts.headers;
  }

  title: string;
}

export const problems = {
  validation: (errors: FieldError[], detail = 'The request has invalid fields.') =>
    new AppError(400, ErrorCode.validationFailed, 'Invalid request', { detail, errors }),
  unauthorized: (detail = 'A valid bearer token is required.') =>
    new AppError(401, ErrorCode.unauthorized, 'Unauthorized', { detail, headers: { 'www-authenticate': 'Bearer' } }),
  forbidden: (detail: string, code: string = ErrorCode.forbidden) => new AppError(403, code, 'Forbidden', { detail }),
  notFound: (detail: string) => new AppError(404, ErrorCode.notFound, 'Not found', { detail }),
  conflict: (code: string, detail: string) => new AppError(409, code, 'Conflict', { detail }),
  unprocessable: (code: string, detail: string) => new AppError(422, code, 'Unprocessable request', { detail }),
  unavailable: (detail: string, cause?: unknown) =>
    new AppError(503, ErrorCode.unavailable, 'Service unavailable', { detail, cause, headers: { 'retry-after': '5' } }),
};
