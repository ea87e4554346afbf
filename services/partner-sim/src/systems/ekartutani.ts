import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { PartnerSystemDefinition } from '../sim-context.ts';
import { describeIssues, headerOf, restErrorBody, sameSecret } from './partner-http.ts';

const CardQuery = z.object({ nik: z.string({ error: 'wajib diisi' }).regex(/^\d{16}$/, 'harus 16 digit') });

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
  },
};
