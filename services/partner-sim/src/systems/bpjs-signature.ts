import { createHmac } from 'node:crypto';
import { sameSecret } from './partner-http.ts';

/** The bridging signature: base64(HMAC-SHA256(secret, `${consId}&${timestamp}`)). */
export function bpjsSignature(consId: string, secret: string, timestamp: string | number): string {
  return createHmac('sha256', secret).update(`${consId}&${timestamp}`).digest('base64');
}

export interface BpjsCredentials {
  consId: string;
  secret: string;
  timestampToleranceS: number;
}

export interface BpjsAuthHeaders {
  consId: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** Why the headers are refused, or null when they are good. */
export function refuseBpjsHeaders(headers: BpjsAuthHeaders, credentials: BpjsCredentials, nowS: number): string | null {
  const { consId, timestamp, signature } = headers;
  if (!consId || !timestamp || !signature) return 'Header X-cons-id, X-timestamp dan X-signature wajib diisi';
  if (!sameSecret(consId, credentials.consId)) return 'X-cons-id tidak terdaftar';
  if (!/^\d{1,12}$/.test(timestamp)) return 'X-timestamp harus detik Unix';
  if (Math.abs(nowS - Number(timestamp)) > credentials.timestampToleranceS) return 'X-timestamp di luar batas toleransi';
  if (!sameSecret(signature, bpjsSignature(credentials.consId, credentials.secret, timestamp))) return 'X-signature tidak valid';
  return null;
}
