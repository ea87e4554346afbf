import type { z } from 'zod';

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: { code?: string; detail?: string; errors?: { field: string; message: string }[] }) {
    super(problem.detail ?? `HTTP ${status}`);
  }
}

export interface OpsClientOptions {
  baseUrl: string;
  token?: string | undefined;
  username: string;
  password: string;
  /** Where to say how the token was obtained. */
  note: (line: string) => void;
}

/** The gateway's ops API over HTTP; answers are validated against the contracts. */
export class OpsClient {
  private token: string | undefined;

  constructor(private readonly opts: OpsClientOptions) {
    this.token = opts.token;
  }

  private async bearer(): Promise<string> {
    if (this.token) return this.token;
    const res = await fetch(`${this.opts.baseUrl}/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: this.opts.username, password: this.opts.password }),
    });
    if (!res.ok) throw new ApiError(res.status, { detail: `demo sign-in as ${this.opts.username} refused (${res.status}): set OPS_TOKEN to an ops token` });
    this.token = ((await res.json()) as { accessToken: string }).accessToken;
    this.opts.note(`signed in as ${this.opts.username} (demo mode)`);
    return this.token;
  }

  async call<S extends z.ZodType>(schema: S, method: 'GET' | 'POST', path: string, body?: unknown): Promise<z.infer<S>> {
    const res = await fetch(`${this.opts.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await this.bearer()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(res.status, json as ApiError['problem']);
    return schema.parse(json);
  }
}
