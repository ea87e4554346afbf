import { createHash } from 'node:crypto';
import { Counter, type Logger, type Redis, type Registry } from '@sutasoma/service-kit';

/**
 * Tokens signed out before their `exp`, in Redis so every gateway replica refuses them: one key per
 * token (its SHA-256, never the token), kept until the token would have expired anyway.
 *
 * Redis unreachable: the check lets the token through (logged, counted). Acceptance needs only
 * PostgreSQL, and a farmer's registration must not fail because the deny list cannot be read; a
 * signed-out token stays bounded by its `exp` (TOKEN_MAX_AGE_S at most).
 */
export class TokenDenyList {
  readonly #failed: Counter;

  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly logger: Logger, metrics: Registry) {
    this.#failed = new Counter({
      name: 'gateway_token_deny_list_unreadable_total', help: 'Token checks let through because the deny list (Redis) could not be read', registers: [metrics],
    });
  }

  #key(token: string): string {
    return `${this.prefix}:revoked-token:${createHash('sha256').update(token).digest('base64url')}`;
  }

  /** Refuses `token` from now until `exp` (seconds since the epoch). */
  async revoke(token: string, exp: number): Promise<void> {
    const ttl = Math.ceil(exp - Date.now() / 1000);
    if (ttl > 0) await this.redis.set(this.#key(token), '1', 'EX', ttl);
  }

  async revoked(token: string): Promise<boolean> {
    try {
      return (await this.redis.exists(this.#key(token))) === 1;
    } catch (err) {
      this.#failed.inc();
      this.logger.warn({ err: (err as Error).message }, 'token deny list unreadable: token let through');
      return false;
    }
  }
}
