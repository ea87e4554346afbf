import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { PartnerSystemDefinition } from '../sim-context.ts';
import { describeIssues, headerOf, restErrorBody, sameSecret } from './partner-http.ts';

const CardQuery = z.object({ nik: z.string({ error: 'wajib diisi' }).regex(/^\d{16}$/, 'harus 16 digit') });

const DebitRequest = z.object({
  nik: z.string({ error: 'wajib diisi' }).regex(/^\d{16}$/, 'harus 16 digit'),
  amount: z.number({ error: 'harus angka' }).int('harus rupiah bulat').positive('harus lebih dari 0').max(1_000_000_000, 'terlalu besar'),
  reference: z.string({ error: 'wajib diisi' }).min(1, 'wajib diisi').max(64, 'maksimal 64 karakter'),
});

const CreditRequest = DebitRequest.extend({ remark: z.string().max(100, 'maksimal 100 karakter').optional() });

/** e-Kartu Tani: the farmer card tied to a NIK and a bank account. */
export const ekartutani: PartnerSystemDefinition = {
  name: 'ekartutani',
  errorBody: (status, message) => restErrorBody(status, message),
  async routes(app, ctx) {
    const { clientId, clientSecret } = ctx.config.ekartutani;
    const fail = (reply: FastifyReply, status: number, code: string, message: string) =>
      reply.code(status).send(restErrorBody(status, message, code).body);

    app.addHook('onRequest', async (request, reply) => {
      const idOk = sameSecret(headerOf(request, 'x-client-id'), clientId);
      const secretOk = sameSecret(headerOf(request, 'x-client-secret'), clientSecret);
      if (!idOk || !secretOk) return fail(reply, 401, 'UNAUTHORIZED', 'Kredensial klien tidak valid (X-Client-Id, X-Client-Secret)');
      return undefined;
    });

    app.get('/api/v1/kartu', async (request, reply) => {
      const query = CardQuery.safeParse(request.query);
      if (!query.success) return fail(reply, 400, 'BAD_REQUEST', describeIssues(query.error));
      const farmer = ctx.data.farmerByNik.get(query.data.nik);
      if (!farmer?.card) return fail(reply, 404, 'KARTU_NOT_FOUND', 'Tidak ada Kartu Tani untuk NIK ini');
      const { card } = farmer;
      return {
        kartu: {
          nomorKartu: card.nomorKartu,
          nik: farmer.nik,
          status: card.status,
          bank: { kode: card.bank.kode, nama: card.bank.nama },
          nomorRekening: card.nomorRekening,
        },
      };
    });

    // A debit of the account linked to the card. `reference` is the caller's idempotency key:
    // once the body is valid, the first answer under a reference is the answer for good.
    app.post('/api/v1/debit', async (request, reply) => {
      const parsed = DebitRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fail(reply, 400, 'BAD_REQUEST', describeIssues(parsed.error));
      const { nik, amount, reference } = parsed.data;
      const earlier = ctx.cardDebits.get(reference);
      if (earlier) return reply.code(earlier.statusCode).send(earlier.body);

      const card = ctx.data.farmerByNik.get(nik)?.card;
      const answer = (() => {
        if (!card) return { statusCode: 404, body: restErrorBody(404, 'Tidak ada Kartu Tani untuk NIK ini', 'KARTU_NOT_FOUND').body };
        if (card.status === 'BLOCKED') return { statusCode: 422, body: restErrorBody(422, 'Kartu Tani diblokir', 'KARTU_BLOCKED').body };
        const outcome = ctx.accounts.debit(card.nomorRekening, amount, 'ekartutani', reference);
        if (!outcome.ok) return { statusCode: 422, body: restErrorBody(422, 'Saldo rekening tidak cukup', 'SALDO_TIDAK_CUKUP').body };
        return {
          statusCode: 200,
          body: { debitId: outcome.debit.id, reference, amount, bank: { kode: card.bank.kode }, status: 'SUCCESS' },
        };
      })();
      ctx.cardDebits.record(reference, answer, undefined);
      return reply.code(answer.statusCode).send(answer.body);
    });

    // A credit (a benefit payout) to the account linked to the card: a credit made under a reference
    // is the answer for good, so a repeat never pays twice; a refusal (no card, a blocked card) is
    // not kept, so the same reference may be tried again once the card is mended.
    app.post('/api/v1/kredit', async (request, reply) => {
      const parsed = CreditRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fail(reply, 400, 'BAD_REQUEST', describeIssues(parsed.error));
      const { nik, amount, reference } = parsed.data;
      const earlier = ctx.cardCredits.get(reference);
      if (earlier) return reply.code(earlier.statusCode).send(earlier.body);

      const card = ctx.data.farmerByNik.get(nik)?.card;
      const answer = (() => {
        if (!card) return { statusCode: 404, body: restErrorBody(404, 'Tidak ada Kartu Tani untuk NIK ini', 'KARTU_NOT_FOUND').body };
        if (card.status === 'BLOCKED') return { statusCode: 422, body: restErrorBody(422, 'Kartu Tani diblokir', 'KARTU_BLOCKED').body };
        const outcome = ctx.accounts.credit(card.nomorRekening, amount, 'ekartutani', reference);
        if (!outcome.ok) return { statusCode: 422, body: restErrorBody(422, 'Rekening kartu tidak dikenal bank', 'REKENING_TIDAK_VALID').body };
        return {
          statusCode: 200,
          body: { creditId: outcome.credit.id, reference, amount, bank: { kode: card.bank.kode }, status: 'SUCCESS' },
        };
      })();
      if (answer.statusCode === 200) ctx.cardCredits.record(reference, answer, undefined);
      return reply.code(answer.statusCode).send(answer.body);
    });
  },
};
