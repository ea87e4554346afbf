import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { todayInSoppeng } from '@sutasoma/contracts';
import type { ServiceApp } from '@sutasoma/service-kit';
import type { SimContext } from '../sim-context.ts';
import { WebhookFaultsRequest } from '../webhook-sender.ts';
import { defaultBillLines, type Stay } from '../systems/hospital-fhir.ts';
import type { Scenario } from '../systems/hospital-state.ts';
import { DEFAULT_FACILITY_ID, facilityById } from '../systems/plkk-facilities.ts';

const DAY_MS = 86_400_000;

const ScenarioRequest = z
  .object({
    nik: z.string().regex(/^\d{16}$/, 'must be 16 digits'),
    hospitalId: z.string().regex(/^[A-Za-z0-9.-]{1,64}$/).default(DEFAULT_FACILITY_ID)
      .describe('the facility (FHIR Organization id); default RSUD Latemmamala; one outside the PLKK list is sent as given'),
    accidentDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe('default today in Soppeng (WITA)'),
    description: z.string().min(1).max(500).default('Terluka parang saat membersihkan pematang sawah'),
    stayDays: z.number().int().min(0).max(365).default(3).describe('dischargedAt = admittedAt + stayDays days'),
    admissionAfterMs: z.number().int().min(0).max(3_600_000).default(0),
    dischargeAfterMs: z.number().int().min(0).max(86_400_000).optional().describe('wait between the two notifications; default SIM_HOSPITAL_DISCHARGE_AFTER_MS'),
    bill: z.object({
      lines: z.array(z.object({ code: z.string().min(1), description: z.string(), amount: z.number().int() })).min(1),
      total: z.number().int().optional().describe('default the sum of the lines; give another to send a wrong total'),
    }).strict().optional(),
    currency: z.string().min(3).max(3).default('IDR').describe('another one sends a bill the adapter must refuse'),
    skipAdmission: z.boolean().default(false).describe('send only the discharge'),
    withoutBill: z.boolean().default(false).describe('send the discharge without its Claim'),
  })
  .strict();

const scenarioView = (s: Scenario) => ({
  scenarioId: s.scenarioId,
  encounterId: s.stay.encounterId,
  hospitalId: s.stay.hospitalId,
  nik: s.stay.nik,
  accidentDate: s.stay.accidentDate,
  admittedAt: s.stay.admittedAt,
  dischargedAt: s.stay.dischargedAt,
  bill: { billId: s.stay.bill.billId, currency: s.stay.bill.currency, total: s.stay.bill.total, lines: s.stay.bill.lines },
  webhookIds: s.sent,
  createdAt: s.createdAt,
});

/**
 * The hospital under /_sim: accident stays that send the admission and discharge notifications,
 * where they go and their faults, what was delivered, and the guarantee notices received.
 */
export async function hospitalControlRoutes(app: ServiceApp, ctx: SimContext): Promise<void> {
  const { hospital } = ctx;

  app.post('/hospital/scenarios', { schema: { body: ScenarioRequest } }, async (request, reply) => {
    const b = request.body;
    const facility = facilityById.get(b.hospitalId);
    const admittedAt = new Date();
    const lines = b.bill?.lines ?? defaultBillLines(b.stayDays, facility?.kind ?? 'hospital');
    const stay: Stay = {
      encounterId: randomUUID(),
      patientId: `P${randomUUID().replaceAll('-', '').slice(0, 11)}`,
      hospitalId: b.hospitalId,
      hospitalName: facility?.name ?? b.hospitalId,
      nik: b.nik,
      patientName: ctx.data.farmerByNik.get(b.nik)?.fullName ?? 'Pasien Tanpa Nama',
      accidentDate: b.accidentDate ?? todayInSoppeng(admittedAt),
      description: b.description,
      admittedAt: admittedAt.toISOString(),
      dischargedAt: new Date(admittedAt.getTime() + b.stayDays * DAY_MS).toISOString(),
      bill: {
        billId: `INV-${randomUUID().slice(0, 8).toUpperCase()}`,
        currency: b.currency,
        lines,
        total: b.bill?.total ?? lines.reduce((s, l) => s + l.amount, 0),
      },
    };
    const scenario = hospital.start(stay, {
      admissionAfterMs: b.admissionAfterMs,
      dischargeAfterMs: b.dischargeAfterMs ?? hospital.config.dischargeAfterMs,
      skipAdmission: b.skipAdmission,
      withBill: !b.withoutBill,
    });
    request.log.info({ scenarioId: scenario.scenarioId, encounterId: stay.encounterId, hospitalId: stay.hospitalId }, 'hospital stay started');
    return reply.code(202).send(scenarioView(scenario));
  });

  app.get('/hospital/scenarios', async () => {
    const items = hospital.scenarios().map(scenarioView);
    return { items, count: items.length };
  });

  app.get('/hospital/webhook', async () => ({ url: hospital.webhooks.url }));

  app.put('/hospital/webhook', {
    schema: { body: z.object({ url: z.url({ protocol: /^https?$/ }) }).strict() },
  }, async (request) => {
    hospital.webhooks.url = request.body.url;
    return { url: hospital.webhooks.url };
  });

  app.get('/hospital/webhook-faults', async () => hospital.webhooks.faults);

  app.put('/hospital/webhook-faults', { schema: { body: WebhookFaultsRequest } }, async (request) => hospital.webhooks.setFaults(request.body));

  app.delete('/hospital/webhook-faults', async (_request, reply) => {
    hospital.webhooks.setFaults({});
    return reply.code(204).send();
  });

  app.get('/hospital/deliveries', {
    schema: { querystring: z.object({ encounterId: z.string().optional() }) },
  }, async (request) => {
    const items = hospital.webhooks.list()
      .map(({ subject, ...d }) => {
        const [encounterId, event] = subject.split('/');
        return { ...d, encounterId: encounterId!, event: event! };
      })
      .filter((d) => request.query.encounterId === undefined || d.encounterId === request.query.encounterId);
    return { items, count: items.length };
  });

  app.get('/hospital/guarantees', {
    schema: { querystring: z.object({ encounterId: z.string().optional() }) },
  }, async (request) => {
    const items = hospital.resources()
      .filter((r) => request.query.encounterId === undefined || r.encounterId === request.query.encounterId)
      .map((r) => ({ id: r.id, identifier: r.identifier, encounterId: r.encounterId, receivedAt: r.receivedAt, resource: r.resource }));
    return { items, count: items.length };
  });

  app.delete('/hospital/tokens', async () => ({ revoked: hospital.revokeTokens() }));
}
