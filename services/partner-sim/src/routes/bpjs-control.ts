import { z } from 'zod';
import type { ServiceApp } from '@sutasoma/service-kit';
import type { SimContext } from '../sim-context.ts';
import { WebhookFaultsRequest } from '../webhook-sender.ts';

const DecisionPresetBody = z
  .object({
    kpj: z.string().regex(/^\d{11}$/),
    decision: z.enum(['reject', 'documents']).describe('reject: the claim is refused; documents: documents_requested first, approved after another delay'),
    reasonCode: z.string().min(1).max(64).optional().describe('the rejection\'s reasonCode (default claim_refused), or the documents request\'s'),
    reason: z.string().min(1).max(200).optional(),
  })
  .strict();

/** BPJS's claims under /_sim: preset decisions, the claims made, the decision webhook's target and faults. */
export async function bpjsControlRoutes(app: ServiceApp, ctx: SimContext): Promise<void> {
  const { claims } = ctx;

  app.post('/bpjs/claims/decisions', { schema: { body: DecisionPresetBody } }, async (request, reply) => {
    const { kpj, ...preset } = request.body;
    claims.preset(kpj, preset);
    return reply.code(201).send(request.body);
  });

  app.get('/bpjs/claims', {
    schema: { querystring: z.object({ kpj: z.string().optional(), claimRef: z.string().optional() }) },
  }, async (request) => {
    const { kpj, claimRef } = request.query;
    const items = claims.all()
      .filter((c) => (kpj === undefined || c.kpj === kpj) && (claimRef === undefined || c.claimRef === claimRef))
      .map((c) => ({
        claimRef: c.claimRef, bpjsClaimId: c.noKlaim, requestId: c.requestId, program: c.program, kpj: c.kpj, eventDate: c.eventDate,
        requested: c.requested, status: c.status, decisions: c.decisions, submittedAt: c.submittedAt,
      }));
    return { items, count: items.length };
  });

  app.get('/bpjs/claims/webhook', async () => ({ url: claims.webhooks.url }));

  app.put('/bpjs/claims/webhook', {
    schema: { body: z.object({ url: z.url({ protocol: /^https?$/ }) }).strict() },
  }, async (request) => {
    claims.webhooks.url = request.body.url;
    return { url: claims.webhooks.url };
  });

  app.get('/bpjs/claims/webhook-faults', async () => claims.webhooks.faults);

  app.put('/bpjs/claims/webhook-faults', { schema: { body: WebhookFaultsRequest } }, async (request) => claims.webhooks.setFaults(request.body));

  app.delete('/bpjs/claims/webhook-faults', async (_request, reply) => {
    claims.webhooks.setFaults({});
    return reply.code(204).send();
  });

  app.get('/bpjs/claims/webhooks', {
    schema: { querystring: z.object({ claimRef: z.string().optional() }) },
  }, async (request) => {
    const items = claims.webhooks.list()
      .filter((d) => request.query.claimRef === undefined || d.subject === request.query.claimRef)
      .map(({ subject, ...d }) => ({ ...d, claimRef: subject }));
    return { items, count: items.length };
  });
}
