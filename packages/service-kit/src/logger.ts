import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Personal data never reaches a log line in clear: these keys are censored at any of the depths
 * our payloads use (a request body, a job's input, a partner's answer).
 */
const PERSONAL_KEYS = [
  'nik', 'fullName', 'name', 'nama', 'birthDate', 'tglLahir', 'phone', 'noHp', 'address', 'alamat',
  'accountNumber', 'nomorRekening', 'bankAccount', 'nomorKartu', 'password',
  // Claims: the accounts benefits are paid to, and who holds them.
  'accountNo', 'holderName', 'beneficiaryAccountNo', 'beneficiaryAccountName',
];
const SECRET_KEYS = ['authorization', 'x-signature', 'x-api-key', 'x-client-secret', 'cookie'];

export const REDACT_PATHS = [
  // pino's own top-level `name` is the service's name, so a bare `name` is not censored.
  ...PERSONAL_KEYS.flatMap((k) => [...(k === 'name' ? [] : [k]), `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
  ...SECRET_KEYS.map((k) => `req.headers["${k}"]`),
];

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Where the lines go; default stdout. */
  destination?: DestinationStream;
}

/** A pino logger with the project's redaction; `level` defaults to info. */
export function createLogger(opts: LoggerOptions): Logger {
  return pino({
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: opts.name },
  }, opts.destination);
}

export type { Logger };
