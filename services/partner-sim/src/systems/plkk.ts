import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { PartnerSystemDefinition } from '../sim-context.ts';
import type { PlkkCase } from './plkk-cases.ts';
import { facilityById } from './plkk-facilities.ts';
import { describeIssues, headerOf, restErrorBody, sameSecret } from './partner-http.ts';

const required = { error: 'wajib diisi' };
const Instant = z.string(required).refine((v) => !Number.isNaN(Date.parse(v)), 'harus waktu ISO 8601');

const CaseRequest = z.object({
  requestId: z.string(required).min(1, 'wajib diisi').max(128, 'maksimal 128 karakter'),
  caseRef: z.string(required).min(1, 'wajib diisi').max(64),
  participant: z.object({
    kpj: z.string(required).regex(/^\d{11}$/, 'harus 11 digit'),
    nik: z.string(required).regex(/^\d{16}$/, 'harus 16 digit'),
  }, required),
  accidentDate: z.string(required).regex(/^\d{4}-\d{2}-\d{2}$/, 'harus YYYY-MM-DD'),
  description: z.string(required).max(500, 'maksimal 500 karakter'),
  facilityId: z.string(required).min(1, 'wajib diisi'),
  encounterId: z.string(required).min(1, 'wajib diisi'),
  admittedAt: Instant,
  deadline: Instant,
  late: z.boolean({ error: 'harus true atau false' }),
});

// Currency and totals are business rules (422), not the body's form (400): any string and integer pass here.
const FollowUpRequest = z.object({
  requestId: z.string(required).min(1, 'wajib diisi').max(128, 'maksimal 128 karakter'),
  dischargedAt: Instant,
  bill: z.object({
    billId: z.string(required).min(1, 'wajib diisi'),
    currency: z.string(required),
    total: z.number({ error: 'harus angka' }).int('harus rupiah bulat'),
    lines: z.array(z.object({
      code: z.string(required).min(1, 'wajib diisi'),
      description: z.string(required),
      amount: z.number({ error: 'harus angka' }).int('harus rupiah bulat'),
    }), required).min(1, 'minimal 1 baris'),
  }, required),
});

const caseAnswer = (c: PlkkCase) => ({ caseId: c.caseId, guarantee: c.guarantee, payee: c.payee });

/**
 * PLKK (model): the two-stage accident case report. Stage I at admission opens a case and issues
 * the treatment guarantee letter (surat jaminan) with the facility's account for the bill; stage II
 * at discharge carries the bill. `requestId` is the caller's idempotency key at each stage.
 */
export const plkk: PartnerSystemDefinition = {
  name: 'plkk',
  errorBody: (status, message) => restErrorBody(status, message),
  async routes(app, ctx) {
    const cases = ctx.plkk;
    const fail = (reply: FastifyReply, status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
      reply.code(status).send({ ...(restErrorBody(status, message, code).body as object), ...extra });

    app.get('/status', async () => ({ system: 'plkk', status: 'up' }));

    app.addHook('onRequest', async (request, reply) => {
      if (request.url.endsWith('/status')) return undefined;
      if (!sameSecret(headerOf(request, 'x-api-key'), ctx.config.plkk.apiKey)) {
        return fail(reply, 401, 'UNAUTHORIZED', 'API key tidak valid atau tidak ada (X-Api-Key)');
      }
      return undefined;
    });

    app.post('/cases', async (request, reply) => {
      const parsed = CaseRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fail(reply, 400, 'BAD_REQUEST', describeIssues(parsed.error));
      const report = parsed.data;
      const earlier = cases.byRequestId(report.requestId);
      if (earlier) return reply.code(200).send(caseAnswer(earlier));
      const facility = facilityById.get(report.facilityId);
      if (!facility) return fail(reply, 404, 'FASKES_NOT_FOUND', `Fasilitas ${report.facilityId} bukan PLKK yang bekerja sama`);
      const open = cases.byEncounter(report.facilityId, report.encounterId);
      if (open) {
        return fail(reply, 409, 'KASUS_SUDAH_ADA', `Kunjungan ${report.encounterId} sudah dilaporkan sebagai kasus ${open.caseId}`, { caseId: open.caseId });
      }
      const c = cases.open(report, facility);
      request.log.info({ caseId: c.caseId, facilityId: facility.id, late: report.late }, 'PLKK case opened');
      return reply.code(201).send(caseAnswer(c));
    });

    app.post<{ Params: { caseId: string } }>('/cases/:caseId/follow-up', async (request, reply) => {
      const parsed = FollowUpRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fail(reply, 400, 'BAD_REQUEST', describeIssues(parsed.error));
      const report = parsed.data;
      const c = cases.byId(request.params.caseId);
      if (!c) return fail(reply, 404, 'KASUS_NOT_FOUND', `Kasus ${request.params.caseId} tidak ditemukan`);
      const earlier = cases.byFollowUpRequestId(report.requestId);
      if (earlier && earlier === c) return reply.code(200).send({ reportId: c.followUp!.reportId });
      const { bill } = report;
      if (bill.currency !== 'IDR') return fail(reply, 422, 'TAGIHAN_TIDAK_VALID', `bill.currency: harus IDR, bukan ${bill.currency}`);
      const negative = bill.lines.findIndex((l) => l.amount < 0);
      if (negative >= 0) return fail(reply, 422, 'TAGIHAN_TIDAK_VALID', `bill.lines.${negative}.amount: tidak boleh negatif`);
      const sum = bill.lines.reduce((s, l) => s + l.amount, 0);
      if (sum !== bill.total) return fail(reply, 422, 'TAGIHAN_TIDAK_VALID', `bill.total: ${bill.total} tidak sama dengan jumlah rincian ${sum}`);
      if (c.followUp) {
        return fail(reply, 409, 'LAPORAN_LANJUTAN_SUDAH_ADA', `Kasus ${c.caseId} sudah punya laporan tahap II ${c.followUp.reportId}`, { reportId: c.followUp.reportId });
      }
      const followUp = cases.followUp(c, report);
      request.log.info({ caseId: c.caseId, reportId: followUp.reportId }, 'PLKK follow-up received');
      return reply.code(201).send({ reportId: followUp.reportId });
    });
  },
};
