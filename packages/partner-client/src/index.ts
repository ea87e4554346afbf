export { PartnerClient, DEFAULT_BREAKER, type BreakerOptions, type BreakerState, type PartnerClientOptions, type PartnerRequest, type PartnerResponse } from './client.ts';
export { PartnerError } from './errors.ts';
export { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from './retry.ts';
