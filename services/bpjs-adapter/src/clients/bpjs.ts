import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { PartnerErrorCode } from '@sutasoma/contracts';
import { PartnerError, type PartnerClient } from '@sutasoma/partner-client';

const Envelope = z.object({
  metaData: z.object({ code: z.string(), message: z.string() }),
  response: z.unknown(),
});
const Registered = z.object({ kpj: z.string().regex(/^\d{11}$/) });

export interface RegisterParticipant {
  requestId: string;
  nik: string;
  fullName: string;
  birthDate: string;
  sex: 'M' | 'F';
  villageCode: string;
  declaredMonthlyIncome: number;
  phone?: string | undefined;
}

export interface PostContribution {
  requestId: string;
  kpj: string;
  months: number;
  periodStart: string;
  amount: number;
  channel: 'agent_cash' | 'bank_va' | 'kartu_tani_debit';
  bankReference: string;
}

export type PostOutcome =
  | { kind: 'posted'; receipt: string; periodStart: string; periodEnd: string }
  | { kind: 'unknown_participant' }
  | { kind: 'refused'; status: number; message: string };

const Posted = z.object({ noTandaTerima: z.string(), periodeAwal: z.string(), periodeAkhir: z.string() });
const CHANNEL = { agent_cash: 'AGEN', bank_va: 'VA', kartu_tani_debit: 'DEBIT_KARTU_TANI' } as const;

export type RegisterOutcome =
  | { kind: 'registered'; kpj: string }
  | { kind: 'already_participant' }
  | { kind: 'refused'; status: number; message: string };

export type CoverageOutcome =
  | { kind: 'found'; nik: string; status: string; covered: boolean; coveredUntil: string | null; declaredMonthlyIncome: number }
  | { kind: 'unknown_participant' }
  | { kind: 'refused'; status: number; message: string };

const Coverage = z.object({
  nik: z.string(),
  status: z.string(),
  tertanggung: z.boolean(),
  aktifSampai: z.string().nullable(),
  penghasilan: z.number().int().positive(),
});

/** Our claim parts (ClaimAmounts) under BPJS's names for them. */
const RINCIAN = {
  hospital: 'biayaPengobatan',
  lostIncome: 'santunanUpah',
  lumpSum: 'santunanKematian',
  funeral: 'biayaPemakaman',
  periodic: 'santunanBerkala',
  education: 'beasiswa',
} as const;

export interface SubmitClaim {
  requestId: string;
  claimRef: string;
  program: 'jkk' | 'jkm';
  kpj: string;
  nik: string;
  eventDate: string;
  requested: Partial<Record<keyof typeof RINCIAN, number | undefined>>;
  plkkCaseId?: string | undefined;
  guaranteeId?: string | undefined;
  deathCertificateRef?: string | undefined;
  heir?: { nik: string; name: string; relation: string } | undefined;
}

export type ClaimOutcome =
  | { kind: 'submitted'; bpjsClaimId: string; repeated: boolean }
  | { kind: 'refused'; status: number; message: string };

const Klaim = z.object({ noKlaim: z.string().min(1), noReferensi: z.string() });

/**
 * BPJS Ketenagakerjaan's bridging API, modelled on the public VClaim convention: each request is
 * signed with base64(HMAC-SHA256(secret, consId & timestamp)); answers come in a metaData envelope.
 */
export class BpjsClient {
  constructor(private readonly http: PartnerClient, private readonly consId: string, private readonly secret: string) {}

  private headers(): Record<string, string> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', this.secret).update(`${this.consId}&${timestamp}`).digest('base64');
    return { 'x-cons-id': this.consId, 'x-timestamp': timestamp, 'x-signature': signature };
  }

  private envelope(res: { status: number; body: unknown }) {
    const envelope = Envelope.safeParse(res.body);
    if (!envelope.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, `BPJS answered ${res.status} without a metaData envelope`, { retryable: false, status: res.status });
    }
    return envelope.data;
  }

  /** Was the participant covered on `date` (YYYY-MM-DD)? BPJS answers for the KPJ; the caller compares the NIK. */
  async coverage(kpj: string, date: string): Promise<CoverageOutcome> {
    const res = await this.http.send({ method: 'GET', path: `/bpu/v1/peserta/${kpj}/kepesertaan`, query: { tanggal: date }, headers: this.headers() });
    const envelope = this.envelope(res);
    if (res.status === 404) return { kind: 'unknown_participant' };
    if (res.status >= 400) return { kind: 'refused', status: res.status, message: envelope.metaData.message };
    const c = Coverage.safeParse(envelope.response);
    if (!c.success) throw new PartnerError(PartnerErrorCode.badResponse, 'BPJS answered a coverage query without its data', { retryable: false, status: res.status });
    return { kind: 'found', nik: c.data.nik, status: c.data.status, covered: c.data.tertanggung, coveredUntil: c.data.aktifSampai, declaredMonthlyIncome: c.data.penghasilan };
  }

  /**
   * Submits a JKK or JKM claim; the decision comes later by webhook, naming `claimRef`. The same
   * `requestId` returns the first answer; the same claimRef under another requestId is a 409
   * naming the claim already made, which is ours: it counts as submitted.
   */
  async submitClaim(p: SubmitClaim): Promise<ClaimOutcome> {
    const rincian = Object.fromEntries(Object.entries(p.requested)
      .filter(([, v]) => typeof v === 'number')
      .map(([part, v]) => [RINCIAN[part as keyof typeof RINCIAN], v]));
    const res = await this.http.send({
      method: 'POST',
      path: '/bpu/v1/klaim',
      headers: this.headers(),
      body: {
        requestId: p.requestId, noReferensi: p.claimRef, program: p.program.toUpperCase(), kpj: p.kpj, nik: p.nik, tglKejadian: p.eventDate, rincian,
        ...(p.plkkCaseId ? { noKasusPlkk: p.plkkCaseId } : {}),
        ...(p.guaranteeId ? { noJaminan: p.guaranteeId } : {}),
        ...(p.deathCertificateRef ? { noAktaKematian: p.deathCertificateRef } : {}),
        ...(p.heir ? { ahliWaris: { nik: p.heir.nik, nama: p.heir.name, hubungan: p.heir.relation } } : {}),
      },
    });
    const envelope = this.envelope(res);
    const klaim = Klaim.safeParse(envelope.response);
    if ((res.status === 200 || res.status === 409) && klaim.success && klaim.data.noReferensi === p.claimRef) {
      return { kind: 'submitted', bpjsClaimId: klaim.data.noKlaim, repeated: res.status === 409 };
    }
    if (res.status >= 400) return { kind: 'refused', status: res.status, message: envelope.metaData.message };
    throw new PartnerError(PartnerErrorCode.badResponse, 'BPJS answered a claim without its number', { retryable: false, status: res.status });
  }

  /** `requestId` is BPJS's idempotency key: the same id returns the first answer again. */
  async registerParticipant(p: RegisterParticipant): Promise<RegisterOutcome> {
    const res = await this.http.send({
      method: 'POST',
      path: '/bpu/v1/peserta',
      headers: this.headers(),
      body: {
        requestId: p.requestId,
        nik: p.nik,
        nama: p.fullName,
        tglLahir: p.birthDate,
        jenisKelamin: p.sex === 'M' ? 'L' : 'P',
        kodeDesa: p.villageCode,
        penghasilan: p.declaredMonthlyIncome,
        ...(p.phone ? { noHp: p.phone } : {}),
        program: ['JKK', 'JKM'],
      },
    });
    const envelope = Envelope.safeParse(res.body);
    if (!envelope.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, `BPJS answered ${res.status} without a metaData envelope`, { retryable: false, status: res.status });
    }
    if (res.status === 409) return { kind: 'already_participant' };
    if (res.status >= 400) return { kind: 'refused', status: res.status, message: envelope.data.metaData.message };
    const registered = Registered.safeParse(envelope.data.response);
    if (envelope.data.metaData.code !== '200' || !registered.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, `BPJS answered code ${envelope.data.metaData.code} without a KPJ`, { retryable: false, status: res.status });
    }
    return { kind: 'registered', kpj: registered.data.kpj };
  }

  /** Posts a paid contribution; `requestId` makes a repeat return the first receipt. */
  async postContribution(p: PostContribution): Promise<PostOutcome> {
    const res = await this.http.send({
      method: 'POST',
      path: '/bpu/v1/iuran',
      headers: this.headers(),
      body: {
        requestId: p.requestId, kpj: p.kpj, jumlahBulan: p.months, periodeAwal: p.periodStart,
        jumlah: p.amount, kanal: CHANNEL[p.channel], referensiBank: p.bankReference,
      },
    });
    const envelope = Envelope.safeParse(res.body);
    if (!envelope.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, `BPJS answered ${res.status} without a metaData envelope`, { retryable: false, status: res.status });
    }
    if (res.status === 404) return { kind: 'unknown_participant' };
    if (res.status >= 400) return { kind: 'refused', status: res.status, message: envelope.data.metaData.message };
    const posted = Posted.safeParse(envelope.data.response);
    if (!posted.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, 'BPJS answered without a receipt', { retryable: false, status: res.status });
    }
    return { kind: 'posted', receipt: posted.data.noTandaTerima, periodStart: posted.data.periodeAwal, periodEnd: posted.data.periodeAkhir };
  }
}
