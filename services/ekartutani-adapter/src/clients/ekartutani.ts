import { z } from 'zod';
import { PartnerErrorCode } from '@sutasoma/contracts';
import { PartnerError, type PartnerClient } from '@sutasoma/partner-client';

const Kartu = z.object({
  kartu: z.object({
    nomorKartu: z.string(),
    status: z.enum(['ACTIVE', 'BLOCKED']),
    bank: z.object({ kode: z.string(), nama: z.string() }),
    nomorRekening: z.string(),
  }),
});

const Debited = z.object({ debitId: z.string(), amount: z.number().int(), status: z.literal('SUCCESS') });
const ErrorBody = z.object({ error: z.object({ code: z.string() }) });

export type Debit = { kind: 'debited'; debitId: string; amount: number } | { kind: 'refused'; code: string; status: number };
const Credited = z.object({ creditId: z.string(), amount: z.number().int(), status: z.literal('SUCCESS') });
export type Credit = { kind: 'credited'; creditId: string; amount: number } | { kind: 'refused'; code: string; status: number };

export type Card = { found: false } | { found: true; cardNumber: string; status: 'active' | 'blocked'; bankCode: string; account: string };

const mask = (v: string) => `${'*'.repeat(Math.max(0, v.length - 4))}${v.slice(-4)}`;
export { mask as maskTail };

/** The farmer-card directory: card, status and linked bank account by NIK. */
export class EKartuTaniClient {
  constructor(private readonly http: PartnerClient, private readonly clientId: string, private readonly secret: string) {}

  async cardByNik(nik: string): Promise<Card> {
    const res = await this.http.send({
      method: 'GET',
      path: '/api/v1/kartu',
      query: { nik },
      headers: { 'x-client-id': this.clientId, 'x-client-secret': this.secret },
    });
    if (res.status === 404) return { found: false };
    const body = Kartu.safeParse(res.body);
    if (res.status !== 200 || !body.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, `e-Kartu Tani answered ${res.status} with an unexpected body`, { retryable: false, status: res.status });
    }
    const k = body.data.kartu;
    return { found: true, cardNumber: k.nomorKartu, status: k.status === 'ACTIVE' ? 'active' : 'blocked', bankCode: k.bank.kode, account: k.nomorRekening };
  }

  /** Debits the account linked to the farmer's card; `reference` makes a repeat return the first answer. */
  async debit(nik: string, amount: number, reference: string): Promise<Debit> {
    const res = await this.http.send({
      method: 'POST',
      path: '/api/v1/debit',
      headers: { 'x-client-id': this.clientId, 'x-client-secret': this.secret },
      body: { nik, amount, reference },
    });
    if (res.status >= 400) {
      const code = ErrorBody.safeParse(res.body);
      return { kind: 'refused', code: code.success ? code.data.error.code : `HTTP_${res.status}`, status: res.status };
    }
    const body = Debited.safeParse(res.body);
    if (!body.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, `e-Kartu Tani answered a debit ${res.status} with an unexpected body`, { retryable: false, status: res.status });
    }
    return { kind: 'debited', debitId: body.data.debitId, amount: body.data.amount };
  }

  /** Credits the account linked to the farmer's card (a payout); `reference` makes a repeat return the first answer. */
  async credit(nik: string, amount: number, reference: string, remark: string): Promise<Credit> {
    const res = await this.http.send({
      method: 'POST',
      path: '/api/v1/kredit',
      headers: { 'x-client-id': this.clientId, 'x-client-secret': this.secret },
      body: { nik, amount, reference, remark },
    });
    if (res.status >= 400) {
      const code = ErrorBody.safeParse(res.body);
      return { kind: 'refused', code: code.success ? code.data.error.code : `HTTP_${res.status}`, status: res.status };
    }
    const body = Credited.safeParse(res.body);
    if (!body.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, `e-Kartu Tani answered a credit ${res.status} with an unexpected body`, { retryable: false, status: res.status });
    }
    return { kind: 'credited', creditId: body.data.creditId, amount: body.data.amount };
  }
}
