import { createHash, createHmac, sign, verify, type KeyLike } from 'node:crypto';

/**
 * SNAP BI's pieces every bank call shares: response codes, the two signatures and timestamps.
 * Exported so this package's tests (and a reader writing an adapter) see the exact strings signed.
 */

/** HTTP status, 2-digit service code, 2-digit case code: `2002700`, `4045411`. */
export function snapResponseCode(status: number, serviceCode = '00', caseCode = '00'): string {
  return `${status}${serviceCode}${caseCode}`;
}

/** SNAP's service codes for the services this bank offers. */
export const SNAP_SERVICE = {
  accessToken: '73',
  createVa: '27',
  debitPayment: '54',
  accountInquiryExternal: '16',
  transferInterbank: '18',
} as const;

/** ISO 8601 with an offset (`+07:00`; `Z` accepted too), seconds required, fraction optional. */
export const SNAP_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?([+-]\d{2}:\d{2}|Z)$/;

export function parseSnapTimestamp(value: string): number | null {
  if (!SNAP_TIMESTAMP.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

const JAKARTA_OFFSET_MS = 7 * 3600 * 1000;

/** The time in Jakarta (WIB, UTC+7), as SNAP writes it: `2025-03-01T10:15:00+07:00`. */
export function jakartaTimestamp(date = new Date()): string {
  return `${new Date(date.getTime() + JAKARTA_OFFSET_MS).toISOString().slice(0, 19)}+07:00`;
}

/** The day in Jakarta, `YYYY-MM-DD`: the day an X-EXTERNAL-ID must be unique in. */
export function jakartaDay(date = new Date()): string {
  return new Date(date.getTime() + JAKARTA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The access-token request's string to sign: `clientId|timestamp`. */
export function snapTokenStringToSign(clientId: string, timestamp: string): string {
  return `${clientId}|${timestamp}`;
}

/** base64 of an RSA-SHA256 (PKCS#1 v1.5) signature with the client's private key. */
export function snapTokenSignature(privateKey: KeyLike, clientId: string, timestamp: string): string {
  return sign('sha256', Buffer.from(snapTokenStringToSign(clientId, timestamp)), privateKey).toString('base64');
}

export function verifySnapTokenSignature(publicKey: KeyLike, clientId: string, timestamp: string, signature: string): boolean {
  try {
    return verify('sha256', Buffer.from(snapTokenStringToSign(clientId, timestamp)), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** Lowercase hex SHA-256 of the minified JSON body (of `''` for a request without a body). */
export function snapBodyHash(minifiedBody: string): string {
  return createHash('sha256').update(minifiedBody).digest('hex');
}

/** `METHOD:path:accessToken:hex(sha256(minified body)):timestamp`. */
export function snapTransactionStringToSign(method: string, path: string, accessToken: string, minifiedBody: string, timestamp: string): string {
  return `${method.toUpperCase()}:${path}:${accessToken}:${snapBodyHash(minifiedBody)}:${timestamp}`;
}

/** base64(HMAC-SHA512(clientSecret, string to sign)). `minifiedBody` is `JSON.stringify(body)`. */
export function snapTransactionSignature(
  clientSecret: string, method: string, path: string, accessToken: string, minifiedBody: string, timestamp: string,
): string {
  return createHmac('sha512', clientSecret)
    .update(snapTransactionStringToSign(method, path, accessToken, minifiedBody, timestamp))
    .digest('base64');
}
