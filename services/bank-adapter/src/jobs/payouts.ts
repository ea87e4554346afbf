import { z } from 'zod';
import { PartnerErrorCode, PayoutAccountReason, TransferInput, VerifiedTransferInput, type HolderCheck } from '@sutasoma/contracts';
import { defineStep, type StepContext, type StepResult } from '@sutasoma/adapter-kit';
import { PartnerError } from '@sutasoma/partner-client';
import { externalIdFor, snapAmount, snapTimestamp, type SnapClient } from '../clients/snap.ts';
import { sameHolder } from '../holder-name.ts';

const Transferred = z.object({ responseCode: z.literal('2001800'), referenceNo: z.string().min(1) });
const Inquired = z.object({ responseCode: z.literal('2001600'), beneficiaryAccountNo: z.string(), beneficiaryAccountName: z.string().min(1) });
const SnapError = z.object({ responseCode: z.string(), responseMessage: z.string() });

const refusal = (what: string, status: number, body: unknown) => {
  const e = SnapError.safeParse(body);
  const why = e.success ? `${e.data.responseCode} ${e.data.responseMessage}` : `HTTP ${status}`;
  return new PartnerError(PartnerErrorCode.rejected, `the bank refused the ${what}: ${why}`, { retryable: false, status });
};

type Transfer = z.infer<typeof TransferInput>;

/**
 * Asks the bank who holds the beneficiary's account (SNAP account inquiry, service 16) and answers
 * why not to pay, or null to pay: an account the bank does not know, or a holder who is not the person
 * named (sameHolder). A supervisor's approval of the account stands in for the name. A read: each
 * attempt asks under an X-EXTERNAL-ID of its own, so a retry is a fresh answer. 5xx and timeouts are
 * thrown by the client and retried like any step's; the transfer is never reached before a match.
 */
async function holderRefusal(snap: SnapClient, input: Transfer, holder: HolderCheck, { job, attempt, log }: StepContext): Promise<StepResult | null> {
  if (holder.by === 'supervisor') {
    log.info({ approvedBy: holder.approvedBy, auditId: holder.auditId }, 'payout account approved by a supervisor: paid without the name check');
    return null;
  }
  const res = await snap.transaction('/v1.0/account-inquiry-external', {
    beneficiaryBankCode: input.beneficiary.bankCode,
    beneficiaryAccountNo: input.beneficiary.accountNo,
  }, externalIdFor(`${job.idempotencyKey}:inquiry:${job.replay}:${job.recovery}:${attempt}`));
  if (res.status === 404) return { outcome: 'rejected', reasonCode: PayoutAccountReason.accountInvalid, partnerStatus: 404 };
  if (res.status >= 400) throw refusal('account inquiry', res.status, res.body);
  const found = Inquired.safeParse(res.body);
  if (!found.success || found.data.beneficiaryAccountNo !== input.beneficiary.accountNo) {
    throw new PartnerError(PartnerErrorCode.badResponse, 'the bank answered an account inquiry without the account\'s holder', { retryable: false, status: res.status });
  }
  if (!sameHolder(holder.name, found.data.beneficiaryAccountName)) {
    log.warn('payout account held under another name: not paid, waiting for a supervisor');
    return { outcome: 'rejected', reasonCode: PayoutAccountReason.nameMismatch, partnerStatus: 200 };
  }
  return null;
}

/**
 * A claim payout (hospital bill, benefit, heir) as one SNAP interbank transfer from the programme's
 * payout account. partnerReferenceNo comes from the step's idempotency key, so a retry or replay,
 * even on another day, gets the first transfer back and never pays twice. X-EXTERNAL-ID, which the
 * bank keeps with its answer for the day (a refusal too), also carries the operator's replay
 * generation: a payout replayed after the beneficiary's account was mended is asked again.
 * An account the bank does not know is a rejection; a refusal of our own account (funds, limits),
 * a conflicting reference or a bad request is a failure for an operator, never retried blindly.
 * `verified`: the account is one an agent gave (a benefit, an heir's), so its holder is checked
 * first (holderRefusal); a hospital's account comes from the PLKK and is paid as it is.
 */
export const payout = (snap: SnapClient, opts: { sourceAccountNo: string; verified: boolean }) => defineStep({
  input: opts.verified ? VerifiedTransferInput : TransferInput,
  async run(input: Transfer & { holder?: HolderCheck }, ctx) {
    const { job } = ctx;
    if (opts.verified) {
      const refused = await holderRefusal(snap, input, input.holder!, ctx);
      if (refused) return refused;
    }
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
    if (res.status === 404) return { outcome: 'rejected', reasonCode: PayoutAccountReason.accountInvalid, partnerStatus: 404 };
    if (res.status >= 400) throw refusal('payout', res.status, res.body);
    const ok = Transferred.safeParse(res.body);
    if (!ok.success) throw new PartnerError(PartnerErrorCode.badResponse, 'the bank answered a transfer without a reference', { retryable: false, status: res.status });
    return { outcome: 'succeeded', result: { bankReference: ok.data.referenceNo, amount: input.amount } };
  },
});
