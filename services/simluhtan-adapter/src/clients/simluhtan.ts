import { z } from 'zod';
import { PartnerErrorCode } from '@sutasoma/contracts';
import { PartnerError, type PartnerClient } from '@sutasoma/partner-client';

const Petani = z.object({
  data: z.object({
    kelompokTani: z.object({ id: z.string(), nama: z.string() }),
    penyuluh: z.object({ id: z.string(), nama: z.string() }),
  }),
});

const GroupsPage = z.object({
  data: z.array(z.object({
    id: z.string(), nama: z.string(), desaKode: z.string(), kecamatanKode: z.string(),
    penyuluhId: z.string().nullable().optional(), jumlahAnggota: z.number().int().min(0),
  })),
  page: z.number().int(),
  size: z.number().int(),
  total: z.number().int(),
});

export interface FarmerGroupCount {
  id: string;
  name: string;
  villageCode: string;
  kecamatanCode: string;
  extensionWorkerId: string | null;
  memberCount: number;
}

export type Membership = { found: false } | { found: true; groupId: string; groupName: string; workerId: string; workerName: string };

/** Simluhtan's read-only directory: a farmer's group and extension worker, by NIK. */
export class SimluhtanClient {
  constructor(private readonly http: PartnerClient, private readonly apiKey: string) {}

  async membership(nik: string): Promise<Membership> {
    const res = await this.http.send({ method: 'GET', path: `/api/v1/petani/${nik}`, headers: { 'x-api-key': this.apiKey } });
    if (res.status === 404) return { found: false };
    const body = Petani.safeParse(res.body);
    if (res.status !== 200 || !body.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, `simluhtan answered ${res.status} with an unexpected body`, { retryable: false, status: res.status });
    }
    const { kelompokTani, penyuluh } = body.data.data;
    return { found: true, groupId: kelompokTani.id, groupName: kelompokTani.nama, workerId: penyuluh.id, workerName: penyuluh.nama };
  }

  /** One page of the farmer-group directory, with each group's member count (`jumlahAnggota`). */
  async farmerGroups(page: number, size: number): Promise<{ groups: FarmerGroupCount[]; total: number }> {
    const res = await this.http.send({ method: 'GET', path: '/api/v1/kelompok-tani', query: { page: String(page), size: String(size) }, headers: { 'x-api-key': this.apiKey } });
    const body = GroupsPage.safeParse(res.body);
    if (res.status !== 200 || !body.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, `simluhtan answered ${res.status} with an unexpected body`, { retryable: res.status >= 500, status: res.status });
    }
    return {
      total: body.data.total,
      groups: body.data.data.map((g) => ({
        id: g.id, name: g.nama, villageCode: g.desaKode, kecamatanCode: g.kecamatanKode, extensionWorkerId: g.penyuluhId ?? null, memberCount: g.jumlahAnggota,
      })),
    };
  }
}
