export { ConfigError, parseConfig, commonEnv, envFlag, internalEnv } from './config.ts';
export { createLogger, lazyChild, REDACT_PATHS, type Logger, type LoggerOptions } from './logger.ts';
export { AppError, problems, type AppErrorOptions } from './errors.ts';
export { problemErrorHandler, sendProblem, fieldErrorsFromValidation } from './problem-handler.ts';
export { buildService, type ServiceApp, type ServiceOptions, type ReadinessCheck } from './service.ts';
export { createRegistry, Counter, Gauge, Histogram, Registry } from './metrics.ts';
export { internalPortOf, runService, startMain, type RunOptions } from './run.ts';
export { createRedis, pingRedis, Redis } from './redis.ts';
export { JobSigningSecrets, signJob, verifyJob } from './job-signature.ts';
