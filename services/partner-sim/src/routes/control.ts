import { z } from 'zod';
import { KECAMATAN, PartnerSystem, kecamatanByName } from '@sutasoma/contracts';
import { problems, type ServiceApp } from '@sutasoma/service-kit';
import { FARMER_CASES, type Farmer } from '../data/soppeng.ts';
import { FaultRequest } from '../faults.ts';
import type { SimContext } from '../sim-context.ts';
import { LOW_FUNDS_BELOW } from '../systems/bank-accounts.ts';
import { bankControlRoutes } from './bank-control.ts';
import { bpjsControlRoutes } from './bpjs-control.ts';
import { hospitalControlRoutes } from './hospital-control.ts';
import { plkkControlRoutes } from './plkk-control.ts';

const FarmersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(10),
  offset: z.coerce.number().int().min(0).default(0),
  kecamatan: z.string().min(1).optional().describe('kecamatan name; case and "-" versus " " do not matter'),
  case: z.enum(FARMER_CASES).optional(),
  cardStatus: z.enum(['ACTIVE', 'BLOCKED']).optional().describe('only farmers holding a card in this status'),
  funds: z.enum(['low', 'enough']).optional()
    .describe(`only farmers with a card whose account now holds less than Rp ${LOW_FUNDS_BELOW} (low) or at least that (enough)`),
});

/** The registration body the gateway accepts, so a test can post an item as it is. */
function asRegistrationInput(f: Farmer) {
  return {
    nik: f.nik,
    fullName: f.fullName,
    birthDate: f.birthDate,
    sex: f.sex,
    villageCode: f.villageCode,
    address: f.address,
    phone: f.phone,
    declaredMonthlyIncome: 1_000_000,
  };
}

/** The test and demo control plane under /_sim: no auth, never exposed beyond a test network. */
export async function controlRoutes(app: ServiceApp, ctx: SimContext): Promise<void> {
  const systems = PartnerSystem.options;

  app.post('/faults', { schema: { body: FaultRequest } }, async (request, reply) => {
    const fault = ctx.faults.set(request.body);
    request.log.info({ fault }, 'fault set');
    return reply.code(201).send(fault);
  });

  app.get('/faults', async () => ({ items: ctx.faults.list() }));

  app.delete('/faults', { schema: { querystring: z.object({ system: PartnerSystem.optional() }) } }, async (request, reply) => {
    ctx.faults.clear(request.query.system);
    return reply.code(204).send();
  });

  app.get('/farmers', { schema: { querystring: FarmersQuery } }, async (request) => {
    const { limit, offset, kecamatan, case: farmerCase, cardStatus, funds } = request.query;
    let pool: readonly Farmer[] = ctx.data.farmers;
    if (kecamatan !== undefined) {
      const found = kecamatanByName(kecamatan);
      if (!found) {
        throw problems.validation([{
          field: 'kecamatan',
          code: 'unknown_kecamatan',
          message: `is not a kecamatan of Soppeng (one of: ${KECAMATAN.map((k) => k.name).join(', ')})`,
        }]);
      }
      pool = ctx.data.farmersByKecamatan.get(found.code) ?? [];
    }
    if (farmerCase !== undefined) {
      pool = kecamatan === undefined ? ctx.data.farmersByCase.get(farmerCase) ?? [] : pool.filter((f) => f.case === farmerCase);
    }
    if (cardStatus !== undefined) pool = pool.filter((f) => f.card?.status === cardStatus);
    if (funds !== undefined) {
      pool = pool.filter((f) => {
        const balance = f.card ? ctx.accounts.balance(f.card.nomorRekening) : undefined;
        return typeof balance === 'number' && (balance < LOW_FUNDS_BELOW) === (funds === 'low');
      });
    }
    return { items: pool.slice(offset, offset + limit).map(asRegistrationInput), total: pool.length, limit, offset };
  });

  app.get('/bpjs/participants', { schema: { querystring: z.object({ nik: z.string().optional() }) } }, async (request) => {
    const { nik } = request.query;
    const found = nik === undefined ? ctx.participants.all() : [ctx.participants.byNik(nik)].filter((p) => p !== undefined);
    const items = found.map((p) => ({ kpj: p.kpj, nik: p.nik, requestId: p.requestId, registeredAt: p.registeredAt }));
    return { items, count: items.length };
  });

  app.get('/bpjs/contributions', { schema: { querystring: z.object({ kpj: z.string().optional() }) } }, async (request) => {
    const { kpj } = request.query;
    const found = kpj === undefined ? ctx.contributions.all() : ctx.contributions.forKpj(kpj);
    const items = found.map((c) => ({
      receipt: c.receipt, kpj: c.kpj, requestId: c.requestId, periodeAwal: c.periodeAwal, periodeAkhir: c.periodeAkhir, jumlah: c.jumlah,
    }));
    return { items, count: items.length };
  });

  await bankControlRoutes(app, ctx);
  await bpjsControlRoutes(app, ctx);
  await plkkControlRoutes(app, ctx);
  await hospitalControlRoutes(app, ctx);

  app.get('/stats', async () => ctx.stats.snapshot(systems));

  app.delete('/stats', async (_request, reply) => {
    ctx.stats.reset();
    return reply.code(204).send();
  });
}
