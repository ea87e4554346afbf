import { z } from 'zod';
import { AgentCashInput, CreateVaInput, PartnerErrorCode } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import { PartnerError } from '@sutasoma/partner-client';
import type { Redis } from '@sutasoma/service-kit';
import { externalIdFor, snapAmount, type SnapClient } from '../clients/snap.ts';

const Debited = z.object({ responseCode: z.literal('2005400'), referenceNo: z.string() });
const VaCreated = z.object({ responseCode: z.literal('2002700'), virtualAccountData: z.object({ virtualAccountNo: z.string(), expiredDate: z.string() }) });
const SnapError = z.object({ responseCode: z.string(), responseMessage: z.string() });

const refusal = (status: number, body: unknown) => {
  const e = SnapError.safeParse(body);
  return e.success ? `${e.data.responseCode} ${e.data.responseMessage}` : `HTTP ${status}`;
};

/** Cash the agent collected is paid host to host from the agent's collection account. */
export const collectAgentCash = (snap: SnapClient) => defineStep({
  input: AgentCashInput,
  async run(input, { job }) {
    const ref = externalIdFor(job.idempotencyKey);
    const res = await snap.transaction('/v1.0/debit/payment-host-to-host', {
      partnerReferenceNo: ref, sourceAccountNo: input.sourceAccountNo, amount: snapAmount(input.amount),
    }, ref);
    if (res.status === 404) return { outcome: 'rejected', reasonCode: 'account_not_found', partnerStatus: 404 };
    if (res.status === 403) return { outcome: 'rejected', reasonCode: 'insufficient_funds', partnerStatus: 403 };
    if (res.status >= 400) return { outcome: 'rejected', reasonCode: 'refused_by_bank', detail: refusal(res.status, res.body), partnerStatus: res.status };
    const ok = Debited.safeParse(res.body);
    if (!ok.success) throw new PartnerError(PartnerErrorCode.badResponse, 'the bank answered a debit without a reference', { retryable: false, status: res.status });
    return { outcome: 'succeeded', result: { bankReference: ok.data.referenceNo, amount: input.amount } };
  },
});

/**
 * Issues the virtual account the farmer pays into; trxId is the contribution's id, which the
 * bank's payment notification carries back. The correlation id is remembered for that webhook.
 */
export const createVa = (snap: SnapClient, opts: { partnerServiceId: string; redis: Redis; prefix: string; rememberS: number }) => defineStep({
  input: CreateVaInput,
  async run(input, { job }) {
    const virtualAccountNo = `${opts.partnerServiceId}${input.customerNo}`;
    const res = await snap.transaction('/v1.0/transfer-va/create-va', {
      partnerServiceId: opts.partnerServiceId,
      customerNo: input.customerNo,
      virtualAccountNo,
      virtualAccountName: input.name,
      trxId: job.operationId,
      totalAmount: snapAmount(input.amount),
      expiredDate: input.expiresAt,
    }, externalIdFor(job.idempotencyKey));
    if (res.status >= 400) return { outcome: 'rejected', reasonCode: 'va_refused', detail: refusal(res.status, res.body), partnerStatus: res.status };
    const ok = VaCreated.safeParse(res.body);
    if (!ok.success) throw new PartnerError(PartnerErrorCode.badResponse, 'the bank answered a VA creation without its data', { retryable: false, status: res.status });
    await opts.redis.set(`${opts.prefix}:bank:va:${job.operationId}`, JSON.stringify({ correlationId: job.correlationId, amount: input.amount }), 'EX', opts.rememberS);
    return { outcome: 'succeeded', result: { virtualAccountNo: ok.data.virtualAccountData.virtualAccountNo.trim(), expiresAt: ok.data.virtualAccountData.expiredDate } };
  },
});

