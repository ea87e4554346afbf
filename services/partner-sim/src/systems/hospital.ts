import type { PartnerSystemDefinition } from '../sim-context.ts';

/** The FHIR issue type closest to an HTTP status. */
function issueCode(status: number): string {
  if (status === 401 || status === 403) return 'security';
  if (status === 404) return 'not-found';
  if (status === 429 || status === 503 || status === 504) return 'transient';
  return status < 500 ? 'invalid' : 'exception';
}

/** Hospital (FHIR R4, SATUSEHAT profile): only a status route for now; Patient, Encounter, Claim come later. */
export const hospital: PartnerSystemDefinition = {
  name: 'hospital',
  errorBody: (status, message) => ({
    contentType: 'application/fhir+json',
    body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: issueCode(status), diagnostics: message }] },
  }),
  async routes(app) {
    app.get('/status', async () => ({ system: 'hospital', status: 'up' }));
  },
};
