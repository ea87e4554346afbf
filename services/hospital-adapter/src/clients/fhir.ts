import { z } from 'zod';
import { PartnerErrorCode } from '@sutasoma/contracts';
import { PartnerError, type PartnerClient, type PartnerRequest, type PartnerResponse } from '@sutasoma/partner-client';
import { FHIR_JSON } from '../fhir/terms.ts';

const Token = z.object({ access_token: z.string().min(1), token_type: z.string(), expires_in: z.coerce.number().positive() });

/**
 * The hospital's FHIR R4 API as SATUSEHAT profiles it: an OAuth2 client-credentials token, cached
 * until a minute before it expires and fetched again once after a 401, then FHIR JSON resources.
 */
export class HospitalFhirClient {
  private token: { value: string; until: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly http: PartnerClient, private readonly creds: { clientId: string; clientSecret: string }) {}

  private accessToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return Promise.resolve(this.token.value);
    // One token request for every job that needs it at the same moment.
    this.pending ??= this.fetchToken().finally(() => { this.pending = undefined; });
    return this.pending;
  }

  private async fetchToken(): Promise<string> {
    const res = await this.http.send({
      method: 'POST',
      path: '/oauth2/token',
      form: { grant_type: 'client_credentials', client_id: this.creds.clientId, client_secret: this.creds.clientSecret },
    });
    const token = Token.safeParse(res.body);
    if (res.status !== 200 || !token.success) {
      throw new PartnerError(PartnerErrorCode.auth, `the hospital refused the token request (${res.status})`, { retryable: false, status: res.status });
    }
    const lifetimeMs = token.data.expires_in * 1000;
    this.token = { value: token.data.access_token, until: Date.now() + Math.max(lifetimeMs / 2, lifetimeMs - 60_000) };
    return this.token.value;
  }

  /** A FHIR call with the bearer token; a 401 (a token the hospital no longer honours) gets one retry with a new one. */
  async send(req: Omit<PartnerRequest, 'headers'> & { headers?: Record<string, string> }): Promise<PartnerResponse> {
    const call = async () => this.http.send({
      ...req,
      headers: { authorization: `Bearer ${await this.accessToken()}`, accept: FHIR_JSON, ...(req.body !== undefined ? { 'content-type': FHIR_JSON } : {}), ...req.headers },
    });
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof PartnerError && err.code === PartnerErrorCode.auth && err.status === 401)) throw err;
      this.token = undefined;
      return call();
    }
  }
}
