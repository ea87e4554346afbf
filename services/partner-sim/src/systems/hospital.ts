import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { PartnerSystemDefinition } from '../sim-context.ts';
import { NIK_SYSTEM } from './hospital-fhir.ts';
import { headerOf, sameSecret } from './partner-http.ts';

const FHIR_JSON = 'application/fhir+json';

/** The FHIR issue type closest to an HTTP status. */
function issueCode(status: number): string {
  if (status === 401 || status === 403) return 'security';
  if (status === 404) return 'not-found';
  if (status === 429 || status === 503 || status === 504) return 'transient';
  return status < 500 ? 'invalid' : 'exception';
}

const outcome = (severity: 'error' | 'information', code: string, diagnostics: string, expression?: string) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) }],
});

/** The hospital's guarantee notice as we model it: a CoverageEligibilityResponse for the stay's encounter. */
const CoverageEligibilityResponse = z.object({
  resourceType: z.literal('CoverageEligibilityResponse'),
  identifier: z.array(z.object({ system: z.string().min(1), value: z.string().min(1) })).min(1),
  status: z.literal('active'),
  purpose: z.array(z.string()).min(1),
  patient: z.object({ identifier: z.object({ system: z.literal(NIK_SYSTEM), value: z.string().regex(/^\d{16}$/) }) }),
  created: z.string().min(1),
  requestor: z.object({ reference: z.string().regex(/^Organization\/.+/) }).optional(),
  request: z.object({ identifier: z.object({ value: z.string().min(1) }) }),
  outcome: z.enum(['queued', 'complete', 'error', 'partial']),
  disposition: z.string().optional(),
  insurer: z.object({ display: z.string().optional() }),
  preAuthRef: z.string().optional(),
  extension: z.array(z.object({ url: z.string(), valueReference: z.object({ reference: z.string() }).optional() })).optional(),
});

/** Our extension naming the Encounter a CoverageEligibilityResponse is about (model). */
export const ENCOUNTER_EXTENSION = 'https://sutasoma.soppengkab.go.id/fhir/StructureDefinition/encounter';

/**
 * Hospital (FHIR R4 as profiled by SATUSEHAT): an OAuth2 client-credentials token, then FHIR
 * resources under /fhir with that bearer token. Its notifications to us (admission, discharge with
 * the bill) are started from the control plane (`/_sim/hospital/scenarios`).
 */
export const hospital: PartnerSystemDefinition = {
  name: 'hospital',
  errorBody: (status, message) => ({ contentType: FHIR_JSON, body: outcome('error', issueCode(status), message) }),
  async routes(app, ctx) {
    const state = ctx.hospital;
    const fail = (reply: FastifyReply, status: number, diagnostics: string, expression?: string) =>
      reply.code(status).type(FHIR_JSON).send(outcome('error', issueCode(status), diagnostics, expression));

    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    app.addContentTypeParser(FHIR_JSON, { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error('The body is not valid JSON'), { statusCode: 400 }), undefined);
      }
    });

    app.get('/status', async () => ({ system: 'hospital', status: 'up' }));

    // RFC 6749 §4.4; errors in OAuth2's own shape (§5.2), as token endpoints answer.
    app.post('/oauth2/token', async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, string>;
      if (form['grant_type'] !== 'client_credentials') {
        return reply.code(400).send({ error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' });
      }
      const { clientId, clientSecret } = state.config;
      if (!sameSecret(form['client_id'], clientId) || !sameSecret(form['client_secret'], clientSecret)) {
        return reply.code(401).send({ error: 'invalid_client', error_description: 'Unknown client or wrong secret' });
      }
      const { token, expiresIn } = state.issueToken();
      return { access_token: token, token_type: 'Bearer', expires_in: expiresIn };
    });

    await app.register(async (fhir) => {
      fhir.addHook('onRequest', async (request, reply) => {
        const auth = headerOf(request, 'authorization');
        const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
        if (!token || !state.tokenValid(token)) return fail(reply, 401, 'Access token tidak valid atau kedaluwarsa');
        return undefined;
      });

      // A conditional create on the identifier: the same identifier answers the resource already held.
      fhir.post('/CoverageEligibilityResponse', async (request, reply) => {
        const parsed = CoverageEligibilityResponse.safeParse(request.body ?? {});
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          return fail(reply, 400, issue.message, ['CoverageEligibilityResponse', ...issue.path].join('.'));
        }
        const r = parsed.data;
        const identifier = `${r.identifier[0]!.system}|${r.identifier[0]!.value}`;
        const earlier = state.resourceByIdentifier(identifier);
        if (earlier) return reply.code(200).type(FHIR_JSON).send(earlier.resource);
        const ref = r.extension?.find((e) => e.url === ENCOUNTER_EXTENSION)?.valueReference?.reference;
        const encounterId = ref?.startsWith('Encounter/') ? ref.slice('Encounter/'.length) : undefined;
        if (!encounterId) return fail(reply, 400, 'the Encounter reference extension is required', 'CoverageEligibilityResponse.extension');
        const stay = state.encounter(encounterId);
        if (!stay) return fail(reply, 404, `Encounter/${encounterId} tidak ditemukan`, 'CoverageEligibilityResponse.extension');
        if (stay.stay.nik !== r.patient.identifier.value) {
          return fail(reply, 422, `Pasien tidak sesuai dengan Encounter/${encounterId}`, 'CoverageEligibilityResponse.patient');
        }
        const stored = state.store(identifier, encounterId, request.body as Record<string, unknown>);
        request.log.info({ resourceId: stored.id, encounterId }, 'guarantee notice received');
        return reply.code(201).type(FHIR_JSON)
          .header('location', `${request.url.split('?')[0]}/${stored.id}/_history/1`)
          .send(stored.resource);
      });

      fhir.get<{ Params: { id: string } }>('/CoverageEligibilityResponse/:id', async (request, reply) => {
        const found = state.resource(request.params.id);
        if (!found) return fail(reply, 404, `CoverageEligibilityResponse/${request.params.id} tidak ditemukan`);
        return reply.type(FHIR_JSON).send(found.resource);
      });
    }, { prefix: '/fhir' });
  },
};
