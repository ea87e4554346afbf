/** Stable codes a client or operator can branch on; the HTTP status travels beside them. */
export const ErrorCode = {
  validationFailed: 'validation_failed',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not_found',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  rateLimited: 'rate_limited',
  idempotencyKeyReused: 'idempotency_key_reused',
  idempotencyInProgress: 'idempotency_in_progress',
  registrationExists: 'registration_exists',
  contributionInProgress: 'contribution_in_progress',
  unknownParticipant: 'unknown_participant',
  amountMismatch: 'amount_mismatch',
  channelUnavailable: 'channel_unavailable',
  villageNotAssigned: 'village_not_assigned',
  claimInProgress: 'claim_in_progress',
  claimExists: 'claim_exists',
  claimWindowPassed: 'claim_window_passed',
  payoutAccountRequired: 'payout_account_required',
  noPayoutDecisionPending: 'no_payout_decision_pending',
  invalidCredentials: 'invalid_credentials',
  internal: 'internal_error',
  unavailable: 'service_unavailable',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Why a partner call failed; recorded on the step and counted in metrics. */
export const PartnerErrorCode = {
  timeout: 'PARTNER_TIMEOUT',
  unreachable: 'PARTNER_UNREACHABLE',
  serverError: 'PARTNER_5XX',
  rejected: 'PARTNER_4XX',
  auth: 'PARTNER_AUTH',
  badResponse: 'PARTNER_BAD_RESPONSE',
  breakerOpen: 'BREAKER_OPEN',
  badPayload: 'BAD_JOB_PAYLOAD',
  /** A job without the gateway's signature (planted or altered in Redis): refused, never run. */
  unsignedJob: 'UNSIGNED_JOB',
  /** The adapter's own failure, not the partner's (its Redis away mid-step): retried like a timeout. */
  adapterError: 'ADAPTER_ERROR',
} as const;
export type PartnerErrorCode = (typeof PartnerErrorCode)[keyof typeof PartnerErrorCode];

/** Why a registration ended `rejected`: a business answer, not a fault. */
export const RejectionReason = {
  notInFarmerGroup: 'not_in_farmer_group',
  alreadyParticipant: 'already_participant',
  refusedByBpjs: 'refused_by_bpjs',
} as const;
export type RejectionReason = (typeof RejectionReason)[keyof typeof RejectionReason];
