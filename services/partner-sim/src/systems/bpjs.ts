import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { findVillage, nikMismatch, parseNik } from '@sutasoma/contracts';
import type { PartnerErrorBody, PartnerSystemDefinition } from '../sim-context.ts';
import { describeIssues, headerOf } from './partner-http.ts';
import { refuseBpjsHeaders } from './bpjs-signature.ts';
import type { BpjsParticipant } from './bpjs-participants.ts';
import { CONTRIBUTION_CHANNELS, addMonths, monthlyBpuContribution, type PostedContribution } from './bpjs-contributions.ts';
import type { BpjsClaim, ClaimPart, ClaimParts } from './bpjs-claims.ts';

function isRealDate(value: string): boolean {
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** Unknown keys are ignored, as bridging APIs do; every known one is checked and named when bad. */
const PesertaRequest = z
  .object({
    requestId: z.string({ error: 'wajib diisi' }).min(1, 'wajib diisi').max(128, 'maksimal 128 karakter'),
    nik: z.string({ error: 'wajib diisi' }).regex(/^\d{16}$/, { message: 'harus 16 digit', abort: true }).refine((v) => parseNik(v) !== null, 'bukan NIK yang valid'),
    nama: z.string({ error: 'wajib diisi' }).trim().min(2, 'minimal 2 karakter').max(100, 'maksimal 100 karakter'),
    tglLahir: z.string({ error: 'wajib diisi' }).regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'format YYYY-MM-DD', abort: true }).refine(isRealDate, 'bukan tanggal yang valid'),
    jenisKelamin: z.enum(['L', 'P'], { error: 'harus L atau P' }),
    kodeDesa: z.string({ error: 'wajib diisi' }).regex(/^\d{10}$/, { message: 'harus 10 digit', abort: true }).refine((v) => findVillage(v) !== undefined, 'kode wilayah tidak dikenal'),
    penghasilan: z.number({ error: 'harus angka' }).int('harus bilangan bulat').min(1_000_000, 'minimal 1000000 (upah terendah BPU)'),
    noHp: z.string().regex(/^(\+62|0)8\d{7,12}$/, 'bukan nomor HP yang valid').optional(),
    program: z.array(z.enum(['JKK', 'JKM'], { error: 'hanya JKK atau JKM' }), { error: 'wajib diisi' }).min(1, 'minimal satu program')
      .refine((p) => new Set(p).size === p.length, 'program tidak boleh berulang'),
  })
  .superRefine((body, ctx) => {
    // Dukcapil's check: the NIK's digits carry the birth date and sex. zod runs this even when a
    // field failed, so it looks only at fields that are themselves valid.
    const valid = typeof body.nik === 'string' && parseNik(body.nik) !== null
      && typeof body.tglLahir === 'string' && isRealDate(body.tglLahir)
      && (body.jenisKelamin === 'L' || body.jenisKelamin === 'P');
    if (!valid) return;
    const mismatch = nikMismatch(body.nik, body.tglLahir, body.jenisKelamin === 'L' ? 'M' : 'F');
    if (mismatch) ctx.addIssue({ code: 'custom', path: ['nik'], message: mismatch === 'nik_sex_mismatch' ? 'tidak sesuai jenisKelamin' : 'tidak sesuai tglLahir' });
  });

const IuranRequest = z.object({
  requestId: z.string({ error: 'wajib diisi' }).min(1, 'wajib diisi').max(128, 'maksimal 128 karakter'),
  kpj: z.string({ error: 'wajib diisi' }).regex(/^\d{11}$/, 'harus 11 digit'),
  jumlahBulan: z.number({ error: 'harus angka' }).int('harus bilangan bulat').min(1, 'minimal 1').max(12, 'maksimal 12'),
  periodeAwal: z.string({ error: 'wajib diisi' }).regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'format YYYY-MM'),
  jumlah: z.number({ error: 'harus angka' }).int('harus rupiah bulat').positive('harus lebih dari 0'),
  kanal: z.enum(CONTRIBUTION_CHANNELS, { error: `harus salah satu dari ${CONTRIBUTION_CHANNELS.join(', ')}` }),
  referensiBank: z.string({ error: 'wajib diisi' }).min(1, 'wajib diisi').max(64, 'maksimal 64 karakter'),
});

const Rupiah = z.number({ error: 'harus angka' }).int('harus rupiah bulat').nonnegative('tidak boleh negatif').optional();
const Tanggal = z.string({ error: 'wajib diisi' }).regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'format YYYY-MM-DD', abort: true }).refine(isRealDate, 'bukan tanggal yang valid');

/** The claim's parts on the wire, and our names for them (ClaimAmounts) in the decision webhook. */
const RINCIAN: Record<string, ClaimPart> = {
  biayaPengobatan: 'hospital',
  santunanUpah: 'lostIncome',
  santunanKematian: 'lumpSum',
  biayaPemakaman: 'funeral',
  santunanBerkala: 'periodic',
  beasiswa: 'education',
};

const KlaimRequest = z.object({
  requestId: z.string({ error: 'wajib diisi' }).min(1, 'wajib diisi').max(128, 'maksimal 128 karakter'),
  noReferensi: z.string({ error: 'wajib diisi' }).min(1, 'wajib diisi').max(64, 'maksimal 64 karakter'),
  program: z.enum(['JKK', 'JKM'], { error: 'harus JKK atau JKM' }),
  kpj: z.string({ error: 'wajib diisi' }).regex(/^\d{11}$/, 'harus 11 digit'),
  nik: z.string({ error: 'wajib diisi' }).regex(/^\d{16}$/, 'harus 16 digit'),
  tglKejadian: Tanggal,
  rincian: z.object(Object.fromEntries(Object.keys(RINCIAN).map((k) => [k, Rupiah])) as Record<keyof typeof RINCIAN, typeof Rupiah>, { error: 'wajib diisi' })
    .refine((r) => Object.values(r).some((v) => typeof v === 'number' && v > 0), 'minimal satu rincian lebih dari 0'),
  noKasusPlkk: z.string().max(64).optional(),
  noJaminan: z.string().max(64).optional(),
  noAktaKematian: z.string().max(64).optional(),
  ahliWaris: z.object({ nik: z.string().regex(/^\d{16}$/, 'harus 16 digit'), nama: z.string().min(1), hubungan: z.string().min(1) }).optional(),
});

function klaimView(c: BpjsClaim) {
  return {
    noKlaim: c.noKlaim, noReferensi: c.claimRef, program: c.program, kpj: c.kpj, status: c.status, tglKejadian: c.eventDate, tglPengajuan: c.submittedAt,
  };
}

/** The last day of a `YYYY-MM` month. */
function lastDayOf(period: string): string {
  const next = addMonths(period, 1);
  return new Date(Date.parse(`${next}-01T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

function iuranView(c: PostedContribution) {
  return {
    noTandaTerima: c.receipt,
    periodeAwal: c.periodeAwal,
    periodeAkhir: c.periodeAkhir,
    jumlahBulan: c.jumlahBulan,
    jumlah: c.jumlah,
    kanal: c.kanal,
    referensiBank: c.referensiBank,
    tglBayar: c.postedAt,
  };
}

function envelope(code: number, message: string, response: unknown) {
  return { metaData: { code: String(code), message }, response };
}

export function bpjsErrorBody(status: number, message: string): PartnerErrorBody {
  return { contentType: 'application/json', body: envelope(status, message, null) };
}

function view(p: BpjsParticipant) {
  return {
    kpj: p.kpj,
    nik: p.nik,
    nama: p.nama,
    tglLahir: p.tglLahir,
    jenisKelamin: p.jenisKelamin,
    kodeDesa: p.kodeDesa,
    program: p.program,
    status: p.status,
    tglDaftar: p.tglDaftar,
  };
}

/** BPJS Ketenagakerjaan, BPU participants, over the VClaim-style bridging protocol. */
export const bpjs: PartnerSystemDefinition = {
  name: 'bpjs',
  errorBody: bpjsErrorBody,
  async routes(app, ctx) {
    const { participants, contributions } = ctx;
    const fail = (reply: FastifyReply, status: number, message: string) => reply.code(status).send(envelope(status, message, null));

    app.addHook('onRequest', async (request, reply) => {
      const refusal = refuseBpjsHeaders({
        consId: headerOf(request, 'x-cons-id'),
        timestamp: headerOf(request, 'x-timestamp'),
        signature: headerOf(request, 'x-signature'),
      }, ctx.config.bpjs, Math.floor(Date.now() / 1000));
      if (refusal) return fail(reply, 401, refusal);
      return undefined;
    });

    app.post('/bpu/v1/peserta', async (request, reply) => {
      const parsed = PesertaRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fail(reply, 400, describeIssues(parsed.error));
      const { requestId, ...input } = parsed.data;

      const earlier = participants.answerFor(requestId);
      if (earlier) return reply.code(earlier.statusCode).send(earlier.body);

      const existing = participants.byNik(input.nik);
      const answer = existing
        ? { statusCode: 409, body: envelope(409, 'Peserta sudah terdaftar', { kpj: existing.kpj }) }
        : (() => {
            const p = participants.register({ ...input, noHp: input.noHp ?? null }, requestId, new Date());
            return { statusCode: 200, body: envelope(200, 'OK', { kpj: p.kpj, nik: p.nik, status: p.status, tglDaftar: p.tglDaftar }) };
          })();
      participants.recordAnswer(requestId, answer);
      return reply.code(answer.statusCode).send(answer.body);
    });

    app.get<{ Params: { kpj: string } }>('/bpu/v1/peserta/:kpj', async (request, reply) => {
      const participant = participants.byKpj(request.params.kpj);
      if (!participant) return fail(reply, 404, 'Peserta tidak ditemukan');
      return envelope(200, 'OK', view(participant));
    });

    app.get<{ Querystring: { nik?: string } }>('/bpu/v1/peserta', async (request, reply) => {
      const { nik } = request.query;
      if (typeof nik !== 'string' || !/^\d{16}$/.test(nik)) return fail(reply, 400, 'nik: harus 16 digit');
      const participant = participants.byNik(nik);
      if (!participant) return fail(reply, 404, 'Peserta tidak ditemukan');
      return envelope(200, 'OK', view(participant));
    });

    // Posting a contribution. requestId is the caller's idempotency key: a posting (or a 409 for
    // months already paid) is answered again as it was; a 400 or 404 is not kept, so a corrected
    // request may reuse the requestId.
    app.post('/bpu/v1/iuran', async (request, reply) => {
      const parsed = IuranRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fail(reply, 400, describeIssues(parsed.error));
      const input = parsed.data;
      const earlier = contributions.answers.get(input.requestId);
      if (earlier) return reply.code(earlier.statusCode).send(earlier.body);

      const participant = participants.byKpj(input.kpj);
      if (!participant) return fail(reply, 404, 'Peserta tidak ditemukan');
      const monthly = monthlyBpuContribution(participant.penghasilan);
      const expected = monthly * input.jumlahBulan;
      if (input.jumlah !== expected) {
        return fail(reply, 400, `jumlah: harus ${expected} (${input.jumlahBulan} bulan x ${monthly})`);
      }
      const periodeAkhir = addMonths(input.periodeAwal, input.jumlahBulan - 1);
      const paid = contributions.overlapping(input.kpj, input.periodeAwal, periodeAkhir);
      const answer = paid
        ? {
            statusCode: 409,
            body: envelope(409, `Iuran periode ${paid.periodeAwal} s.d. ${paid.periodeAkhir} sudah dibayar`, { noTandaTerima: paid.receipt }),
          }
        : (() => {
            const posted = contributions.post({
              kpj: input.kpj,
              requestId: input.requestId,
              jumlahBulan: input.jumlahBulan,
              periodeAwal: input.periodeAwal,
              jumlah: input.jumlah,
              kanal: input.kanal,
              referensiBank: input.referensiBank,
            });
            participant.status = 'AKTIF';
            return {
              statusCode: 200,
              body: envelope(200, 'OK', {
                noTandaTerima: posted.receipt, kpj: posted.kpj, periodeAwal: posted.periodeAwal, periodeAkhir: posted.periodeAkhir, jumlah: posted.jumlah,
              }),
            };
          })();
      contributions.answers.record(input.requestId, answer, undefined);
      return reply.code(answer.statusCode).send(answer.body);
    });

    // Coverage on a date: covered when a posted contribution paid for that month. The membership is
    // NONAKTIF (lapsed) once more than 3 months after the last paid one went unpaid.
    app.get<{ Params: { kpj: string }; Querystring: { tanggal?: string } }>('/bpu/v1/peserta/:kpj/kepesertaan', async (request, reply) => {
      const tanggal = Tanggal.safeParse(request.query.tanggal);
      if (!tanggal.success) return fail(reply, 400, `tanggal: ${tanggal.error.issues[0]?.message ?? 'tidak valid'}`);
      const participant = participants.byKpj(request.params.kpj);
      if (!participant) return fail(reply, 404, 'Peserta tidak ditemukan');
      const coverage = contributions.coverage(participant.kpj, tanggal.data);
      return envelope(200, 'OK', {
        kpj: participant.kpj,
        nik: participant.nik,
        status: coverage.lapsed ? 'NONAKTIF' : participant.status,
        tanggal: tanggal.data,
        tertanggung: coverage.covered,
        aktifSampai: coverage.lastPaidMonth === null ? null : lastDayOf(coverage.lastPaidMonth),
        penghasilan: participant.penghasilan,
        program: participant.program,
      });
    });

    // A JKK or JKM claim. requestId is the caller's idempotency key (the same request is answered
    // again, never a second claim); noReferensi, the caller's claim id, is one claim too: under
    // another requestId it is a 409 naming the claim. The decision comes later, by webhook.
    app.post('/bpu/v1/klaim', async (request, reply) => {
      const parsed = KlaimRequest.safeParse(request.body ?? {});
      if (!parsed.success) return fail(reply, 400, describeIssues(parsed.error));
      const input = parsed.data;
      const earlier = ctx.claims.answers.get(input.requestId);
      if (earlier) return reply.code(earlier.statusCode).send(earlier.body);
      const existing = ctx.claims.byRef(input.noReferensi);
      const answer = existing
        ? { statusCode: 409, body: envelope(409, 'Klaim dengan noReferensi ini sudah diajukan', klaimView(existing)) }
        : (() => {
            const requested: ClaimParts = {};
            for (const [wire, part] of Object.entries(RINCIAN)) {
              const v = input.rincian[wire];
              if (typeof v === 'number' && v > 0) requested[part] = v;
            }
            const claim = ctx.claims.submit({
              requestId: input.requestId, claimRef: input.noReferensi, program: input.program, kpj: input.kpj, nik: input.nik,
              eventDate: input.tglKejadian, requested,
            });
            return { statusCode: 200, body: envelope(200, 'OK', klaimView(claim)) };
          })();
      ctx.claims.answers.record(input.requestId, answer, undefined);
      return reply.code(answer.statusCode).send(answer.body);
    });

    app.get<{ Params: { noReferensi: string } }>('/bpu/v1/klaim/:noReferensi', async (request, reply) => {
      const claim = ctx.claims.byRef(request.params.noReferensi);
      if (!claim) return fail(reply, 404, 'Klaim tidak ditemukan');
      return envelope(200, 'OK', klaimView(claim));
    });

    app.get<{ Params: { kpj: string } }>('/bpu/v1/peserta/:kpj/iuran', async (request, reply) => {
      const participant = participants.byKpj(request.params.kpj);
      if (!participant) return fail(reply, 404, 'Peserta tidak ditemukan');
      const posted = contributions.forKpj(participant.kpj);
      const last = posted.reduce<string | null>((max, c) => (max === null || c.periodeAkhir > max ? c.periodeAkhir : max), null);
      return envelope(200, 'OK', {
        kpj: participant.kpj,
        status: participant.status,
        aktifSampai: last === null ? null : lastDayOf(last),
        iuran: posted.map(iuranView),
      });
    });
  },
};
