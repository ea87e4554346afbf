import type { PartnerSystemDefinition } from '../sim-context.ts';
import { restErrorBody } from './partner-http.ts';

/** PLKK: only a status route for now; case reports and guarantee letters come later. */
export const plkk: PartnerSystemDefinition = {
  name: 'plkk',
  errorBody: (status, message) => restErrorBody(status, message),
  async routes(app) {
    app.get('/status', async () => ({ system: 'plkk', status: 'up' }));
  },
};
