import { timingSafeEqual } from 'node:crypto';
import { kecamatanByName, villagesOf, type Role } from '@sutasoma/contracts';

export interface DemoAccount {
  username: string;
  role: Role;
  villages: string[];
  collectionAccount?: string;
}

/** Seeded accounts for demo mode only; the password comes from DEMO_PASSWORD. */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  // The simulated bank treats accounts starting with 9 as agents' collection accounts.
  { username: 'demo-agent', role: 'agent', villages: villagesOf(kecamatanByName('Lalabata')!.code).map((v) => v.code), collectionAccount: '9001000001' },
  { username: 'demo-supervisor', role: 'supervisor', villages: [] },
  { username: 'demo-ops', role: 'ops', villages: [] },
];

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token claims of a demo account, or null for an unknown name or a wrong password. */
export function demoClaims(username: string, password: string, demoPassword: string): Record<string, unknown> | null {
  const account = DEMO_ACCOUNTS.find((a) => a.username === username);
  if (!account || !same(password, demoPassword)) return null;
  return { sub: account.username, role: account.role, villages: account.villages, ...(account.collectionAccount ? { collectionAccount: account.collectionAccount } : {}) };
}
