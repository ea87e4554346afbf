import { pino, type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';

/**
 * Personal data never reaches a log line in clear: these keys are censored at any of the depths
 * our payloads use (a request body, a job's input, a partner's answer).
 */
const PERSONAL_KEYS = [
  'nik', 'fullName', 'name', 'nama', 'birthDate', 'tglLahir', 'phone', 'noHp', 'address', 'alamat',
  'accountNumber', 'nomorRekening', 'bankAccount', 'nomorKartu', 'password',
  // Claims: the accounts benefits are paid to, and who holds them.
  'accountNo', 'holderName', 'beneficiaryAccountNo', 'beneficiaryAccountName',
  // Contributions and claims: who pays into which account, an accident's account of itself, a death certificate.
  'payerName', 'sourceAccountNo', 'customerNo', 'virtualAccountNo', 'description', 'deathCertificateRef',
];
const SECRET_KEYS = ['authorization', 'x-signature', 'x-api-key', 'x-client-secret', 'cookie', 'webhook-signature'];

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

const LOG_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
const noop = () => {};

/**
 * A child logger made on first use. pino runs the redaction over a child's bindings when it makes
 * one, and most children (one per request, one per job) never log a line at the level in force:
 * a call below that level costs nothing here, and the child is made only for a line that is written.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>, options?: ChildLoggerOptions): Logger {
  let child: Logger | undefined;
  const real = () => (child ??= parent.child(bindings, options));
  const enabled = (method: string) => parent.levels.values[method]! >= parent.levels.values[options?.level ?? parent.level]!;
  return new Proxy(parent, {
    get(_target, prop) {
      if (!child && typeof prop === 'string') {
        if (LOG_METHODS.has(prop)) return enabled(prop) ? (...args: unknown[]) => (real()[prop as 'info'] as (...a: unknown[]) => void)(...args) : noop;
        if (prop === 'child') return (b: Record<string, unknown>, o?: ChildLoggerOptions) => lazyChild(real(), b, o);
      }
      const target = real();
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(_target, prop, value) {
      return Reflect.set(real(), prop, value);
    },
  });
}

export type { Logger };
