import { z } from 'zod';
import type { ServiceApp } from '@sutasoma/service-kit';
import type { SimContext } from '../sim-context.ts';
import { PLKK_FACILITIES } from '../systems/plkk-facilities.ts';

/** The PLKK under /_sim: its facilities and every case it holds, each once. */
export async function plkkControlRoutes(app: ServiceApp, ctx: SimContext): Promise<void> {
  app.get('/plkk/facilities', async () => ({ items: PLKK_FACILITIES, count: PLKK_FACILITIES.length }));

  app.get('/plkk/cases', {
    schema: { querystring: z.object({ caseRef: z.string().optional(), encounterId: z.string().optional(), nik: z.string().optional() }) },
  }, async (request) => {
    const { caseRef, encounterId, nik } = request.query;
    const items = ctx.plkk.all()
      .filter((c) => (caseRef === undefined || c.report.caseRef === caseRef)
        && (encounterId === undefined || c.report.encounterId === encounterId)
        && (nik === undefined || c.report.participant.nik === nik))
      .map((c) => ({
        caseId: c.caseId,
        requestId: c.report.requestId,
        caseRef: c.report.caseRef,
        kpj: c.report.participant.kpj,
        nik: c.report.participant.nik,
        facilityId: c.report.facilityId,
        encounterId: c.report.encounterId,
        accidentDate: c.report.accidentDate,
        admittedAt: c.report.admittedAt,
        deadline: c.report.deadline,
        late: c.report.late,
        guarantee: c.guarantee,
        payee: c.payee,
        createdAt: c.createdAt,
        followUp: c.followUp && {
          reportId: c.followUp.reportId, requestId: c.followUp.requestId, dischargedAt: c.followUp.dischargedAt,
          billId: c.followUp.bill.billId, total: c.followUp.bill.total, receivedAt: c.followUp.receivedAt,
        },
      }));
    return { items, count: items.length };
  });
}
