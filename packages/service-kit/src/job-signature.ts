import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * The gateway's signature on the jobs it gives the adapters, so that a job planted in Redis (by
 * anyone who reaches it) moves no money and registers nobody: an adapter runs only a job whose
 * `signature` is an HMAC-SHA256, under one of the shared secrets, of the rest of its data as it
 * was published. The gateway signs with the first secret; adapters accept any of them, so a new
 * secret is put first on every service, then the old one removed.
 */
export const JobSigningSecrets = z.string().transform((value, ctx) => {
  const secrets = value.split(/[\s,]+/).filter(Boolean);
  if (secrets.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one secret is required' });
  secrets.forEach((s, i) => {
    if (s.length < 32) ctx.addIssue({ code: 'custom', message: `secret ${i + 1} must be at least 32 characters (random)` });
  });
  return secrets;
});

const VERSION = 'v1=';
const mac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest();

/** The job's data with its signature: what the relay publishes. */
export function signJob(payload: unknown, secrets: readonly string[]): Record<string, unknown> {
  const data = payload as Record<string, unknown>;
  return { ...data, signature: VERSION + mac(secrets[0]!, JSON.stringify(data)).toString('base64url') };
}

/** The job's data without its signature when one of `secrets` made it; null otherwise. */
export function verifyJob(data: unknown, secrets: readonly string[]): Record<string, unknown> | null {
  if (typeof data !== 'object' || data === null) return null;
  const { signature, ...rest } = data as Record<string, unknown>;
  if (typeof signature !== 'string' || !signature.startsWith(VERSION)) return null;
  const given = Buffer.from(signature.slice(VERSION.length), 'base64url');
  const body = JSON.stringify(rest);
  return secrets.some((s) => {
    const expected = mac(s, body);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }) ? rest : null;
}
