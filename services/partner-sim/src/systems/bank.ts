import type { PartnerSystemDefinition } from '../sim-context.ts';

/**
 * SNAP BI's response code: HTTP status, 2-digit service code, 2-digit case code. Service 00 stands
 * for "no particular service" until the virtual-account services arrive.
 */
export function snapResponseCode(status: number, serviceCode = '00', caseCode = '00'): string {
  return `${status}${serviceCode}${caseCode}`;
}

/** Bank (SNAP BI): only a status route for now; token, virtual accounts and payments come later. */
export const bank: PartnerSystemDefinition = {
  name: 'bank',
  errorBody: (status, message) => ({
    contentType: 'application/json',
    body: { responseCode: snapResponseCode(status), responseMessage: message },
  }),
  async routes(app) {
    app.get('/status', async () => ({ system: 'bank', status: 'up' }));
  },
};
