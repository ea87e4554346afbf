import { z } from 'zod';
import { AppError, problems, type ServiceApp } from '@sutasoma/service-kit';
import type { SimContext } from '../sim-context.ts';
import { WebhookFaultsRequest } from '../systems/bank-webhooks.ts';
import type { VirtualAccount } from '../systems/bank-state.ts';

const PayBody = z
  .object({
    amount: z.union([z.number().int().positive(), z.string().regex(/^\d{1,16}(\.\d{2})?$/)]).optional()
      .describe('rupiah (16800) or a SNAP value ("16800.00"); default the VA\'s totalAmount'),
  })
  .strict()
  .nullish();

/** Rupiah as SNAP writes it: `16800.00`. */
function snapValue(amount: number | string): string {
  return typeof amount === 'number' ? `${amount}.00` : amount.includes('.') ? amount : `${amount}.00`;
}

/**
 * The bank's and e-Kartu Tani's money under /_sim: the demo client key, paying a virtual account
 * (which sends the payment notification), the webhook target and its faults, opening an
 * institution's account, and what was done: debits, transfers, card credits.
 */
export async function bankControlRoutes(app: ServiceApp, ctx: SimContext): Promise<void> {
  const { bank, webhooks, accounts } = ctx;

  const vaView = (va: VirtualAccount) => ({
    virtualAccountNo: va.virtualAccountNo,
    partnerServiceId: va.partnerServiceId,
    customerNo: va.customerNo,
    virtualAccountName: va.virtualAccountName,
    trxId: va.trxId,
    totalAmount: va.totalAmount,
    expiredDate: va.expiredDate,
    status: bank.vaStatus(va),
    paymentRequestId: va.paid?.paymentRequestId ?? null,
    paidAmount: va.paid?.paidAmount ?? null,
    createdAt: va.createdAt,
  });

  app.get('/bank/demo-client-key', async () => {
    if (!bank.demoClient) {
      throw problems.notFound('SIM_BANK_CLIENT_PUBLIC_KEY is set: the client\'s private key is not known to the simulator.');
    }
    return {
      clientId: bank.config.clientId,
      privateKeyPem: bank.demoClient.privateKeyPem,
      clientSecret: bank.config.clientSecret,
      publicKeyPem: bank.demoClient.publicKeyPem,
      partnerServiceId: bank.partnerServiceId,
    };
  });

  app.post('/bank/va/:virtualAccountNo/pay', {
    schema: { params: z.object({ virtualAccountNo: z.string().min(1) }), body: PayBody },
  }, async (request) => {
    const va = bank.vaByNumber(request.params.virtualAccountNo);
    if (!va) throw problems.notFound(`No virtual account ${request.params.virtualAccountNo.trim()}.`);
    const status = bank.vaStatus(va);
    if (status === 'PAID') throw problems.conflict('va_already_paid', `Virtual account ${va.virtualAccountNo.trim()} is already paid (trxId ${va.trxId}).`);
    if (status === 'EXPIRED') {
      throw new AppError(410, 'va_expired', 'Gone', { detail: `Virtual account ${va.virtualAccountNo.trim()} expired at ${va.expiredDate}.` });
    }
    const amount = request.body?.amount;
    const paid = bank.pay(va, { value: amount === undefined ? va.totalAmount.value : snapValue(amount), currency: 'IDR' });
    const webhookId = webhooks.notify(va.trxId, {
      partnerServiceId: va.partnerServiceId,
      customerNo: va.customerNo,
      virtualAccountNo: va.virtualAccountNo,
      trxId: va.trxId,
      paymentRequestId: paid.paymentRequestId,
      paidAmount: paid.paidAmount,
      trxDateTime: paid.trxDateTime,
    });
    request.log.info({ trxId: va.trxId, webhookId }, 'virtual account paid');
    return { paymentRequestId: paid.paymentRequestId, trxId: va.trxId, virtualAccountNo: va.virtualAccountNo, paidAmount: paid.paidAmount, webhookId };
  });

  app.get('/bank/vas', {
    schema: { querystring: z.object({ trxId: z.string().optional(), virtualAccountNo: z.string().optional() }) },
  }, async (request) => {
    const { trxId, virtualAccountNo } = request.query;
    const items = bank.vas()
      .filter((va) => (trxId === undefined || va.trxId === trxId)
        && (virtualAccountNo === undefined || va.virtualAccountNo.trim() === virtualAccountNo.trim()))
      .map(vaView);
    return { items, count: items.length };
  });

  app.get('/bank/debits', {
    schema: { querystring: z.object({ partnerReferenceNo: z.string().optional(), accountNo: z.string().optional() }) },
  }, async (request) => {
    const items = accounts.debits({ channel: 'bank', reference: request.query.partnerReferenceNo, accountNo: request.query.accountNo })
      .map((d) => ({ referenceNo: d.id, partnerReferenceNo: d.reference, sourceAccountNo: d.accountNo, amount: d.amount, createdAt: d.createdAt }));
    return { items, count: items.length };
  });

  app.get('/ekartutani/debits', {
    schema: { querystring: z.object({ reference: z.string().optional(), accountNo: z.string().optional() }) },
  }, async (request) => {
    const items = accounts.debits({ channel: 'ekartutani', reference: request.query.reference, accountNo: request.query.accountNo })
      .map((d) => ({ debitId: d.id, reference: d.reference, accountNo: d.accountNo, amount: d.amount, createdAt: d.createdAt }));
    return { items, count: items.length };
  });

  app.get('/bank/transfers', {
    schema: { querystring: z.object({ partnerReferenceNo: z.string().optional(), beneficiaryAccountNo: z.string().optional() }) },
  }, async (request) => {
    const items = ctx.transfers.list(request.query).map((t) => ({
      referenceNo: t.referenceNo, partnerReferenceNo: t.partnerReferenceNo, sourceAccountNo: t.sourceAccountNo,
      beneficiaryAccountNo: t.beneficiaryAccountNo, beneficiaryBankCode: t.beneficiaryBankCode, beneficiaryAccountName: t.beneficiaryAccountName,
      amount: t.amount, remark: t.remark, createdAt: t.createdAt,
    }));
    return { items, count: items.length };
  });

  app.get('/bank/inquiries', {
    schema: { querystring: z.object({ beneficiaryAccountNo: z.string().optional() }) },
  }, async (request) => {
    const items = bank.inquiries(request.query);
    return { items, count: items.length };
  });

  app.get('/ekartutani/credits', {
    schema: { querystring: z.object({ reference: z.string().optional(), accountNo: z.string().optional() }) },
  }, async (request) => {
    const items = accounts.credits({ channel: 'ekartutani', reference: request.query.reference, accountNo: request.query.accountNo })
      .map((c) => ({ creditId: c.id, reference: c.reference, accountNo: c.accountNo, amount: c.amount, createdAt: c.createdAt }));
    return { items, count: items.length };
  });

  app.post('/bank/accounts', {
    schema: {
      body: z.object({
        accountNo: z.string().regex(/^\d{6,20}$/),
        bankCode: z.string().regex(/^\d{3}$/),
        holderName: z.string().trim().min(2).max(100),
      }).strict(),
    },
  }, async (request, reply) => {
    const { accountNo, bankCode, holderName } = request.body;
    if (!accounts.openInstitution({ accountNo, bank: { kode: bankCode, nama: bankCode }, holderName })) {
      throw problems.conflict('account_exists', `Account ${accountNo} already exists at the simulated bank.`);
    }
    return reply.code(201).send(accounts.view(accountNo));
  });

  app.get('/bank/accounts', {
    schema: {
      querystring: z.object({ nik: z.string().optional(), accountNo: z.string().optional() })
        .refine((q) => (q.nik === undefined) !== (q.accountNo === undefined), { message: 'give exactly one of nik or accountNo', path: ['nik'] }),
    },
  }, async (request) => {
    const { nik, accountNo } = request.query;
    const number = accountNo ?? (nik === undefined ? undefined : ctx.data.farmerByNik.get(nik)?.card?.nomorRekening);
    const found = number === undefined ? undefined : accounts.view(number);
    const items = found ? [found] : [];
    return { items, count: items.length };
  });

  app.get('/bank/webhook', async () => ({ url: webhooks.url }));

  app.put('/bank/webhook', {
    schema: { body: z.object({ url: z.url({ protocol: /^https?$/ }) }).strict() },
  }, async (request) => {
    webhooks.url = request.body.url;
    return { url: webhooks.url };
  });

  app.get('/bank/webhook-faults', async () => webhooks.faults);

  app.put('/bank/webhook-faults', { schema: { body: WebhookFaultsRequest } }, async (request) => webhooks.setFaults(request.body));

  app.delete('/bank/webhook-faults', async (_request, reply) => {
    webhooks.setFaults({});
    return reply.code(204).send();
  });

  app.get('/bank/webhooks', {
    schema: { querystring: z.object({ trxId: z.string().optional() }) },
  }, async (request) => {
    const items = webhooks.list()
      .filter((d) => request.query.trxId === undefined || d.subject === request.query.trxId)
      .map(({ subject, ...d }) => ({ ...d, trxId: subject }));
    return { items, count: items.length };
  });
}
