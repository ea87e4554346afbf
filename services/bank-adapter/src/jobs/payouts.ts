import { z } from 'zod';
import { PartnerErrorCode, TransferInput } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import { PartnerError } from '@sutasoma/partner-client';
import { externalIdFor, snapAmount, snapTimestamp, type SnapClient } from '../clients/snap.ts';

const Transferred = z.object({ responseCode: z.literal('2001800'), referenceNo: z.string().min(1) });
const SnapError = z.object({ responseCode: z.string(), responseMessage: z.string() });

/**
 * A claim payout (hospital bill, benefit, heir) as one SNAP interbank transfer from the programme's
 * payout account. partnerReferenceNo comes from the step's idempotency key, so a retry or replay,
 * even on another day, gets the first transfer back and never pays twice. X-EXTERNAL-ID, which the
 * bank keeps with its answer for the day (a refusal too), also carries the operator's replay
 * generation: a payout replayed after the beneficiary's account was mended is asked again.
 * An account the bank does not know is a rejection; a refusal of our own account (funds, limits),
 * a conflicting reference or a bad request is a failure for an operator, never retried blindly.
 */
export const payout = (snap: SnapClient, opts: { sourceAccountNo: string }) => defineStep({
  input: TransferInput,
  async run(input, { job }) {
    const ref = externalIdFor(job.idempotencyKey);
    const externalId = job.replay === 0 ? ref : externalIdFor(`${job.idempotencyKey}:replay-${job.replay}`);
    const res = await snap.transaction('/v1.0/transfer-interbank', {
      partnerReferenceNo: ref,
      amount: snapAmount(input.amount),
      beneficiaryAccountNo: input.beneficiary.accountNo,
      beneficiaryAccountName: input.beneficiary.holderName,
      beneficiaryBankCode: input.beneficiary.bankCode,
      sourceAccountNo: opts.sourceAccountNo,
      transactionDate: snapTimestamp(),
      remark: input.remark,
    }, externalId);
    if (res.status === 404) return { outcome: 'rejected', reasonCode: 'beneficiary_account_invalid', partnerStatus: 404 };
    if (res.status >= 400) {
      const e = SnapError.safeParse(res.body);
      const why = e.success ? `${e.data.responseCode} ${e.data.responseMessage}` : `HTTP ${res.status}`;
      throw new PartnerError(PartnerErrorCode.rejected, `the bank refused the payout: ${why}`, { retryable: false, status: res.status });
    }
    const ok = Transferred.safeParse(res.body);
    if (!ok.success) throw new PartnerError(PartnerErrorCode.badResponse, 'the bank answered a transfer without a reference', { retryable: false, status: res.status });
    return { outcome: 'succeeded', result: { bankReference: ok.data.referenceNo, amount: input.amount } };
  },
});
