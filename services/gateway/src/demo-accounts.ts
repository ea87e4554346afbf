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
