import { createHash, createHmac, sign } from 'node:crypto';
import { z } from 'zod';
import { PartnerErrorCode } from '@sutasoma/contracts';
import { PartnerError, type PartnerClient, type PartnerResponse } from '@sutasoma/partner-client';

export interface SnapCredentials {
  clientId: string;
  clientSecret: string;
  privateKeyPem: string;
  channelId: string;
}

const Token = z.object({ accessToken: z.string(), expiresIn: z.union([z.string(), z.number()]) });

/** SNAP BI's timestamp: ISO 8601 with the local offset (WIB is the common choice; we send WITA). */
export function snapTimestamp(now = new Date()): string {
  const wita = new Date(now.getTime() + 8 * 3_600_000);
  return `${wita.toISOString().slice(0, 19)}+08:00`;
}

/** SNAP's minified-body hash: lower-case hex SHA-256 of the JSON exactly as sent. */
const bodyHash = (body: string) => createHash('sha256').update(body).digest('hex').toLowerCase();

/** A SNAP amount: rupiah as a string with two decimals. */
export const snapAmount = (rupiah: number) => ({ value: `${rupiah}.00`, currency: 'IDR' });

/** Integer rupiah from a SNAP amount; fractions of a rupiah are refused, never rounded. */
export function rupiahOf(amount: { value: string; currency: string }): number | null {
  const m = /^(\d+)\.00$/.exec(amount.value);
  return amount.currency === 'IDR' && m ? Number(m[1]) : null;
}

/**
 * The bank's SNAP BI protocol (Bank Indonesia's national open-API standard): a B2B access token
 * obtained with an asymmetric signature, then each transaction signed with HMAC-SHA512 over
 * `METHOD:path:token:sha256(body):timestamp`. X-EXTERNAL-ID is the bank's idempotency key.
 */
export class SnapClient {
  private token: { value: string; until: number } | undefined;

  constructor(private readonly http: PartnerClient, private readonly creds: SnapCredentials) {}

  private async accessToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const timestamp = snapTimestamp();
    const signature = sign('sha256', Buffer.from(`${this.creds.clientId}|${timestamp}`), this.creds.privateKeyPem).toString('base64');
    const res = await this.http.send({
      method: 'POST',
      path: '/v1.0/access-token/b2b',
      headers: { 'x-timestamp': timestamp, 'x-client-key': this.creds.clientId, 'x-signature': signature },
      body: { grantType: 'client_credentials' },
    });
    const token = Token.safeParse(res.body);
    if (res.status !== 200 || !token.success) {
      throw new PartnerError(PartnerErrorCode.auth, `the bank refused the access-token request (${res.status})`, { retryable: false, status: res.status });
    }
    this.token = { value: token.data.accessToken, until: Date.now() + (Number(token.data.expiresIn) - 60) * 1000 };
    return this.token.value;
  }

  /** A signed transaction; `externalId` is derived from the step's idempotency key. */
  async transaction(path: string, body: Record<string, unknown>, externalId: string): Promise<PartnerResponse> {
    const token = await this.accessToken();
    const timestamp = snapTimestamp();
    const minified = JSON.stringify(body);
    const stringToSign = `POST:${this.http.fullPath(path)}:${token}:${bodyHash(minified)}:${timestamp}`;
    const signature = createHmac('sha512', this.creds.clientSecret).update(stringToSign).digest('base64');
    try {
      return await this.http.send({
        method: 'POST',
        path,
        headers: {
          authorization: `Bearer ${token}`,
          'x-timestamp': timestamp,
          'x-signature': signature,
          'x-partner-id': this.creds.clientId,
          'x-external-id': externalId,
          'channel-id': this.creds.channelId,
        },
        body,
      });
    } catch (err) {
      // SNAP answers 403 for business refusals (insufficient funds, limits, dormant accounts), never
      // for credentials: an answer for the step to judge. Its body is not kept by the client.
      if (err instanceof PartnerError && err.code === PartnerErrorCode.auth && err.status === 403) return { status: 403, body: null, durationMs: 0 };
      // An expired token is refused as 401: forget it, and let the retry fetch a new one.
      if (err instanceof PartnerError && err.code === PartnerErrorCode.auth) {
        this.token = undefined;
        throw new PartnerError(PartnerErrorCode.auth, err.message, { retryable: true, status: err.status, cause: err });
      }
      throw err;
    }
  }
}

/** A numeric X-EXTERNAL-ID (SNAP allows up to 36 digits) that is the same for every retry of a step. */
export function externalIdFor(idempotencyKey: string): string {
  return BigInt(`0x${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`).toString().padStart(29, '0');
}
