import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PartnerSystemDefinition, SimContext } from '../sim-context.ts';
import { headerOf, sameSecret } from './partner-http.ts';
import {
  SNAP_SERVICE, SNAP_TIMESTAMP, jakartaTimestamp, parseSnapTimestamp, snapResponseCode, snapTransactionSignature, verifySnapTokenSignature,
} from './bank-snap.ts';
import type { VirtualAccount } from './bank-state.ts';

export { snapResponseCode } from './bank-snap.ts';

/** A SNAP answer: HTTP status and `{responseCode, responseMessage, …}`. */
interface SnapAnswer {
  statusCode: number;
  body: { responseCode: string; responseMessage: string } & Record<string, unknown>;
}

function snap(statusCode: number, service: string, caseCode: string, message: string, extra: Record<string, unknown> = {}): SnapAnswer {
  return { statusCode, body: { responseCode: snapResponseCode(statusCode, service, caseCode), responseMessage: message, ...extra } };
}

function send(reply: FastifyReply, answer: { statusCode: number; body: unknown }) {
  return reply.code(answer.statusCode).send(answer.body);
}

/** Rupiah with two decimals, as SNAP writes amounts: `16800.00`. */
const Amount = z.object({
  value: z.string().regex(/^\d{1,16}\.\d{2}$/),
  currency: z.literal('IDR'),
});
const AdditionalInfo = z.record(z.string(), z.unknown());

const CreateVaRequest = z.object({
  partnerServiceId: z.string().regex(/^ {0,7}\d{1,8}$/).length(8),
  customerNo: z.string().regex(/^\d{1,20}$/),
  virtualAccountNo: z.string().min(1).max(28),
  virtualAccountName: z.string().max(255).refine((v) => v.trim().length > 0),
  trxId: z.string().min(1).max(64),
  totalAmount: Amount,
  expiredDate: z.string().regex(SNAP_TIMESTAMP),
  additionalInfo: AdditionalInfo.optional(),
});

const DebitRequest = z.object({
  partnerReferenceNo: z.string().min(1).max(64),
  sourceAccountNo: z.string().regex(/^\d{1,32}$/),
  amount: Amount,
  additionalInfo: AdditionalInfo.optional(),
});

const TransferRequest = z.object({
  partnerReferenceNo: z.string().min(1).max(64),
  amount: Amount,
  beneficiaryAccountNo: z.string().regex(/^\d{1,34}$/),
  beneficiaryAccountName: z.string().max(100).refine((v) => v.trim().length > 0),
  beneficiaryBankCode: z.string().regex(/^\d{3}$/),
  sourceAccountNo: z.string().regex(/^\d{1,32}$/),
  transactionDate: z.string().regex(SNAP_TIMESTAMP),
  remark: z.string().max(100).optional(),
  additionalInfo: AdditionalInfo.optional(),
});

const InquiryRequest = z.object({
  /** The 3-digit BI bank code, optionally followed by the 4-digit branch code. */
  beneficiaryBankCode: z.string().regex(/^\d{3}(\d{4})?$/),
  beneficiaryAccountNo: z.string().regex(/^\d{1,34}$/),
  partnerReferenceNo: z.string().min(1).max(64).optional(),
  additionalInfo: AdditionalInfo.optional(),
});

const TokenRequest = z.object({ grantType: z.literal('client_credentials') });

/**
 * SNAP's field errors: case 02 "Invalid Mandatory Field <field>" when the field is absent or
 * empty, case 01 "Invalid Field Format <field>" otherwise; the first bad field is named.
 */
function fieldError(service: string, body: unknown, error: z.ZodError): SnapAnswer {
  const path = error.issues[0]?.path ?? [];
  let value: unknown = body;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  const name = path.map(String).join('.') || 'body';
  return value === undefined || value === null || value === ''
    ? snap(400, service, '02', `Invalid Mandatory Field ${name}`)
    : snap(400, service, '01', `Invalid Field Format ${name}`);
}

/** SNAP amounts as integer rupiah; null when the cents are not zero (IDR has none). */
function rupiah(value: string): number | null {
  const [whole, cents] = value.split('.');
  return cents === '00' ? Number(whole) : null;
}

/**
 * The checks every transaction goes through, in this order: the bearer token (401), the mandatory
 * headers (400 case 02) and their formats (400 case 01), X-PARTNER-ID, X-TIMESTAMP's distance from
 * now and X-SIGNATURE (401 case 00).
 */
function refuseTransaction(request: FastifyRequest, service: string, ctx: SimContext, now: number): SnapAnswer | null {
  const { bank } = ctx;
  const unauthorized = (reason: string) => snap(401, service, '00', `Unauthorized. ${reason}`);
  const token = /^Bearer (\S+)$/.exec(headerOf(request, 'authorization') ?? '')?.[1];
  if (!token || !bank.tokenValid(token, now)) return unauthorized('Invalid token');
  const headers = {
    'X-TIMESTAMP': headerOf(request, 'x-timestamp'),
    'X-SIGNATURE': headerOf(request, 'x-signature'),
    'X-PARTNER-ID': headerOf(request, 'x-partner-id'),
    'X-EXTERNAL-ID': headerOf(request, 'x-external-id'),
    'CHANNEL-ID': headerOf(request, 'channel-id'),
  };
  for (const [name, value] of Object.entries(headers)) {
    if (!value) return snap(400, service, '02', `Invalid Mandatory Field ${name}`);
  }
  const timestamp = headers['X-TIMESTAMP'] ?? '';
  const at = parseSnapTimestamp(timestamp);
  if (at === null) return snap(400, service, '01', 'Invalid Field Format X-TIMESTAMP');
  if (!/^[A-Za-z0-9_-]{1,36}$/.test(headers['X-EXTERNAL-ID'] ?? '')) return snap(400, service, '01', 'Invalid Field Format X-EXTERNAL-ID');
  if (!/^\d{5}$/.test(headers['CHANNEL-ID'] ?? '')) return snap(400, service, '01', 'Invalid Field Format CHANNEL-ID');
  if (!sameSecret(headers['X-PARTNER-ID'], bank.config.clientId)) return unauthorized('Unknown X-PARTNER-ID');
  if (Math.abs(now - at) > bank.config.timestampToleranceS * 1000) return unauthorized('X-TIMESTAMP out of range');
  const minified = request.body === undefined ? '' : JSON.stringify(request.body);
  const expected = snapTransactionSignature(bank.config.clientSecret, request.method, request.url, token, minified, timestamp);
  if (!sameSecret(headers['X-SIGNATURE'], expected)) return unauthorized('Signature');
  return null;
}

/**
 * A SNAP transaction route: checks, then X-EXTERNAL-ID. Once the checks pass, the answer is kept
 * under the X-EXTERNAL-ID for the rest of the Jakarta day: the same id on the same path gets that
 * answer again and nothing is done twice (the body is not compared); on another path it is a 409.
 */
function transaction(ctx: SimContext, service: string, handle: (request: FastifyRequest, now: Date) => SnapAnswer) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const now = new Date();
    const refusal = refuseTransaction(request, service, ctx, now.getTime());
    if (refusal) return send(reply, refusal);
    const key = ctx.bank.externalIdKey(headerOf(request, 'x-external-id') ?? '', now);
    const earlier = ctx.bank.externalIds.get(key);
    if (earlier) {
      return earlier.extra.path === request.url
        ? send(reply, earlier)
        : send(reply, snap(409, service, '00', 'Conflict'));
    }
    const answer = handle(request, now);
    ctx.bank.pruneExternalIds(now);
    ctx.bank.externalIds.record(key, answer, { path: request.url });
    return send(reply, answer);
  };
}

function vaData(va: VirtualAccount) {
  return {
    partnerServiceId: va.partnerServiceId,
    customerNo: va.customerNo,
    virtualAccountNo: va.virtualAccountNo,
    virtualAccountName: va.virtualAccountName,
    trxId: va.trxId,
    totalAmount: va.totalAmount,
    expiredDate: va.expiredDate,
    ...(va.additionalInfo === undefined ? {} : { additionalInfo: va.additionalInfo }),
  };
}

/** Bank (SNAP BI model): B2B access token, virtual-account creation, host-to-host debits and transfers. */
export const bank: PartnerSystemDefinition = {
  name: 'bank',
  errorBody: (status, message) => ({
    contentType: 'application/json',
    body: { responseCode: snapResponseCode(status), responseMessage: message },
  }),
  async routes(app, ctx) {
    const { bank: state, accounts } = ctx;

    app.get('/status', async () => ({ system: 'bank', status: 'up' }));

    app.post('/v1.0/access-token/b2b', async (request, reply) => {
      const service = SNAP_SERVICE.accessToken;
      const timestamp = headerOf(request, 'x-timestamp');
      const clientKey = headerOf(request, 'x-client-key');
      const signature = headerOf(request, 'x-signature');
      for (const [name, value] of [['X-TIMESTAMP', timestamp], ['X-CLIENT-KEY', clientKey], ['X-SIGNATURE', signature]] as const) {
        if (!value) return send(reply, snap(400, service, '02', `Invalid Mandatory Field ${name}`));
      }
      const at = parseSnapTimestamp(timestamp ?? '');
      if (at === null) return send(reply, snap(400, service, '01', 'Invalid Field Format X-TIMESTAMP'));
      if (!sameSecret(clientKey, state.config.clientId)) return send(reply, snap(401, service, '00', 'Unauthorized. Unknown client'));
      const fresh = Math.abs(Date.now() - at) <= state.config.timestampToleranceS * 1000;
      if (!fresh || !verifySnapTokenSignature(state.clientPublicKey, state.config.clientId, timestamp ?? '', signature ?? '')) {
        return send(reply, snap(401, service, '00', 'Unauthorized. Signature'));
      }
      const body = TokenRequest.safeParse(request.body ?? {});
      if (!body.success) return send(reply, fieldError(service, request.body ?? {}, body.error));
      return send(reply, snap(200, service, '00', 'Successful', {
        accessToken: state.issueToken(),
        tokenType: 'Bearer',
        expiresIn: String(state.config.tokenTtlS),
      }));
    });

    app.post('/v1.0/transfer-va/create-va', transaction(ctx, SNAP_SERVICE.createVa, (request, now) => {
      const service = SNAP_SERVICE.createVa;
      const parsed = CreateVaRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fieldError(service, request.body ?? {}, parsed.error);
      const input = parsed.data;
      const format = (field: string) => snap(400, service, '01', `Invalid Field Format ${field}`);
      if (input.partnerServiceId !== state.partnerServiceId) return format('partnerServiceId');
      if (input.virtualAccountNo !== input.partnerServiceId + input.customerNo) return format('virtualAccountNo');
      const amount = rupiah(input.totalAmount.value);
      if (amount === null || amount <= 0) return format('totalAmount.value');
      if ((parseSnapTimestamp(input.expiredDate) ?? 0) <= now.getTime()) return format('expiredDate');

      // The same bill (trxId) for the same open VA and amount is created once: its data again.
      const sameBill = state.vaByTrxId(input.trxId);
      if (sameBill) {
        const again = sameBill.virtualAccountNo === input.virtualAccountNo && state.vaStatus(sameBill, now.getTime()) === 'OPEN'
          && sameBill.totalAmount.value === input.totalAmount.value;
        return again ? snap(200, service, '00', 'Successful', { virtualAccountData: vaData(sameBill) }) : snap(409, service, '00', 'Conflict');
      }
      // A VA number carries one open bill at a time; once paid or expired it may carry the next.
      const current = state.vaByNumber(input.virtualAccountNo);
      if (current && state.vaStatus(current, now.getTime()) === 'OPEN') return snap(409, service, '00', 'Conflict');

      const va: VirtualAccount = { ...input, totalAmount: { value: input.totalAmount.value, currency: 'IDR' }, createdAt: now.toISOString(), paid: null };
      state.addVa(va);
      return snap(200, service, '00', 'Successful', { virtualAccountData: vaData(va) });
    }));

    app.post('/v1.0/debit/payment-host-to-host', transaction(ctx, SNAP_SERVICE.debitPayment, (request, now) => {
      const service = SNAP_SERVICE.debitPayment;
      const parsed = DebitRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fieldError(service, request.body ?? {}, parsed.error);
      const input = parsed.data;
      const amount = rupiah(input.amount.value);
      if (amount === null || amount <= 0) return snap(400, service, '01', 'Invalid Field Format amount.value');
      if (accounts.hasDebit('bank', input.partnerReferenceNo)) {
        return snap(409, service, '01', 'Duplicate partnerReferenceNo');
      }
      const outcome = accounts.debit(input.sourceAccountNo, amount, 'bank', input.partnerReferenceNo, now);
      if (!outcome.ok) {
        return outcome.reason === 'unknown_account'
          ? snap(404, service, '11', 'Invalid Account')
          : snap(403, service, '14', 'Insufficient Funds');
      }
      return snap(200, service, '00', 'Successful', { referenceNo: outcome.debit.id, partnerReferenceNo: input.partnerReferenceNo });
    }));

    // Account inquiry (service 16, "external": any bank this one reaches): who holds an account, before
    // money is sent to it. A read: it changes nothing, and its faults are the bank's (a `path` fault
    // may hit it alone).
    app.post('/v1.0/account-inquiry-external', transaction(ctx, SNAP_SERVICE.accountInquiryExternal, (request, now) => {
      const service = SNAP_SERVICE.accountInquiryExternal;
      const parsed = InquiryRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fieldError(service, request.body ?? {}, parsed.error);
      const input = parsed.data;
      const found = accounts.view(input.beneficiaryAccountNo);
      // As for transfers: an agent account (no bank of its own) is at this bank, whatever code is given.
      const known = found !== undefined && (found.bank === null || found.bank.kode === input.beneficiaryBankCode.slice(0, 3));
      const inquiry = state.recordInquiry({ beneficiaryAccountNo: input.beneficiaryAccountNo, beneficiaryBankCode: input.beneficiaryBankCode, found: known }, now);
      if (!known) return snap(404, service, '11', 'Invalid Account');
      return snap(200, service, '00', 'Successful', {
        referenceNo: inquiry.referenceNo,
        ...(input.partnerReferenceNo ? { partnerReferenceNo: input.partnerReferenceNo } : {}),
        beneficiaryAccountName: found.holderName,
        beneficiaryAccountNo: found.accountNo,
        beneficiaryBankCode: input.beneficiaryBankCode,
        beneficiaryBankName: found.bank?.nama ?? 'Bank Simulasi',
        currency: 'IDR',
      });
    }));

    // Payouts: from one of the partner's accounts to any account this bank can reach, named by its
    // 3-digit bank code. partnerReferenceNo makes it once-only for good (BankTransfers).
    app.post('/v1.0/transfer-interbank', transaction(ctx, SNAP_SERVICE.transferInterbank, (request, now) => {
      const service = SNAP_SERVICE.transferInterbank;
      const parsed = TransferRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fieldError(service, request.body ?? {}, parsed.error);
      const input = parsed.data;
      const amount = rupiah(input.amount.value);
      if (amount === null || amount <= 0) return snap(400, service, '01', 'Invalid Field Format amount.value');
      const outcome = ctx.transfers.execute({
        partnerReferenceNo: input.partnerReferenceNo, sourceAccountNo: input.sourceAccountNo, beneficiaryAccountNo: input.beneficiaryAccountNo,
        beneficiaryAccountName: input.beneficiaryAccountName, beneficiaryBankCode: input.beneficiaryBankCode, amount, remark: input.remark ?? null,
      }, now);
      if (!outcome.ok) {
        switch (outcome.reason) {
          case 'duplicate_reference': return snap(409, service, '01', 'Duplicate partnerReferenceNo');
          case 'unknown_beneficiary': return snap(404, service, '11', 'Invalid Account beneficiaryAccountNo');
          case 'unknown_source': return snap(403, service, '18', 'Inactive Account sourceAccountNo');
          case 'insufficient_funds': return snap(403, service, '14', 'Insufficient Funds');
        }
      }
      const t = outcome.transfer;
      return snap(200, service, '00', 'Successful', {
        referenceNo: t.referenceNo, partnerReferenceNo: t.partnerReferenceNo, amount: { value: `${t.amount}.00`, currency: 'IDR' },
        beneficiaryAccountNo: t.beneficiaryAccountNo, beneficiaryBankCode: t.beneficiaryBankCode, sourceAccountNo: t.sourceAccountNo,
        transactionDate: jakartaTimestamp(new Date(t.createdAt)),
      });
    }));
  },
};
