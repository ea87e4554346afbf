import { kecamatanByName, villagesOf, type Role } from '@sutasoma/contracts';

export interface DemoAccount {
  username: string;
  role: Role;
  villages: string[];
}

/** Seeded accounts for demo mode only; the password comes from DEMO_PASSWORD. */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'demo-agent', role: 'agent', villages: villagesOf(kecamatanByName('Lalabata')!.code).map((v) => v.code) },
  { username: 'demo-supervisor', role: 'supervisor', villages: [] },
  { username: 'demo-ops', role: 'ops', villages: [] },
];
