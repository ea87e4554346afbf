import { z } from 'zod';

export const Role = z.enum(['agent', 'supervisor', 'ops']);
export type Role = z.infer<typeof Role>;

export const TokenRequest = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
}).strict().meta({ id: 'TokenRequest' });

export const TokenResponse = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('seconds'),
}).meta({ id: 'TokenResponse' });

/** The claims the gateway reads from a bearer token. `villages` scopes an agent. */
export const Principal = z.object({
  sub: z.string(),
  role: Role,
  villages: z.array(z.string()).default([]),
  /** The agent's collection account at the bank: cash collected at the door is paid from it. */
  collectionAccount: z.string().optional(),
});
export type Principal = z.infer<typeof Principal>;
