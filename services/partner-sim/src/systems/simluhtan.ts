import { z } from 'zod';
import { findKecamatan } from '@sutasoma/contracts';
import type { FastifyReply } from 'fastify';
import type { PartnerSystemDefinition } from '../sim-context.ts';
import { describeIssues, headerOf, restErrorBody, sameSecret } from './partner-http.ts';

const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(100).default(50),
});
const GroupQuery = PageQuery.extend({
  desa: z.string().regex(/^\d{10}$/, 'harus kode desa 10 digit').optional(),
});

function page<T>(items: readonly T[], query: { page: number; size: number }) {
  const start = (query.page - 1) * query.size;
  return { data: items.slice(start, start + query.size), page: query.page, size: query.size, total: items.length };
}

/** Simluhtan: a read-only directory of extension workers, farmer groups and their members. */
export const simluhtan: PartnerSystemDefinition = {
  name: 'simluhtan',
  errorBody: (status, message) => restErrorBody(status, message),
  async routes(app, ctx) {
    const { data } = ctx;
    const fail = (reply: FastifyReply, status: number, code: string, message: string) =>
      reply.code(status).send(restErrorBody(status, message, code).body);

    app.addHook('onRequest', async (request, reply) => {
      if (!sameSecret(headerOf(request, 'x-api-key'), ctx.config.simluhtan.apiKey)) {
        return fail(reply, 401, 'UNAUTHORIZED', 'API key tidak valid atau tidak ada (X-Api-Key)');
      }
      return undefined;
    });

    app.get<{ Params: { nik: string } }>('/api/v1/petani/:nik', async (request, reply) => {
      const { nik } = request.params;
      if (!/^\d{16}$/.test(nik)) return fail(reply, 400, 'BAD_REQUEST', 'nik: harus 16 digit');
      const farmer = data.farmerByNik.get(nik);
      const group = farmer?.groupId ? data.groupById.get(farmer.groupId) : undefined;
      const worker = group ? data.workerById.get(group.extensionWorkerId) : undefined;
      if (!farmer || !group || !worker) {
        return fail(reply, 404, 'PETANI_NOT_FOUND', 'Petani tidak terdaftar di kelompok tani mana pun');
      }
      return {
        data: {
          nik: farmer.nik,
          nama: farmer.fullName,
          kelompokTani: { id: group.id, nama: group.name, desaKode: group.villageCode },
          penyuluh: { id: worker.id, nama: worker.name },
        },
      };
    });

    app.get('/api/v1/kelompok-tani', async (request, reply) => {
      const query = GroupQuery.safeParse(request.query);
      if (!query.success) return fail(reply, 400, 'BAD_REQUEST', describeIssues(query.error));
      const groups = query.data.desa === undefined ? data.groups : data.groupsByVillage.get(query.data.desa) ?? [];
      return page(groups.map((g) => ({
        id: g.id,
        nama: g.name,
        desaKode: g.villageCode,
        kecamatanKode: g.kecamatanCode,
        penyuluhId: g.extensionWorkerId,
        jumlahAnggota: g.memberCount,
      })), query.data);
    });

    app.get('/api/v1/penyuluh', async (request, reply) => {
      const query = PageQuery.safeParse(request.query);
      if (!query.success) return fail(reply, 400, 'BAD_REQUEST', describeIssues(query.error));
      return page(data.extensionWorkers.map((w) => ({
        id: w.id,
        nama: w.name,
        kecamatanKode: w.kecamatanCode,
        bpp: findKecamatan(w.kecamatanCode)?.bpp ?? null,
        desaBinaan: w.villageCodes,
        kelompokTani: w.groupIds,
      })), query.data);
    });
  },
};
