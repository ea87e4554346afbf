import type { ServiceApp } from '@sutasoma/service-kit';
import type { PartnerSystem } from '@sutasoma/contracts';
import type { SimConfig } from './config.ts';
import type { SoppengData } from './data/soppeng.ts';
import type { Random } from './data/prng.ts';
import type { FaultRegistry } from './faults.ts';
import type { CallStats } from './stats.ts';
import type { HeldConnections } from './held-connections.ts';
import type { BpjsParticipants } from './systems/bpjs-participants.ts';
import type { BpjsContributions } from './systems/bpjs-contributions.ts';
import type { BankAccounts } from './systems/bank-accounts.ts';
import type { BankState } from './systems/bank-state.ts';
import type { BankWebhooks } from './systems/bank-webhooks.ts';
import type { RecordedAnswers } from './recorded-answers.ts';
import type { BpjsClaims } from './systems/bpjs-claims.ts';
import type { BankTransfers } from './systems/bank-transfers.ts';
import type { PlkkCases } from './systems/plkk-cases.ts';
import type { HospitalState } from './systems/hospital-state.ts';

/** Everything one simulator instance holds: immutable Soppeng plus this run's mutable state. */
export interface SimContext {
  config: SimConfig;
  data: SoppengData;
  faults: FaultRegistry;
  stats: CallStats;
  held: HeldConnections;
  participants: BpjsParticipants;
  contributions: BpjsContributions;
  /** The farmers' card accounts and agent collection accounts, debited by the bank and e-Kartu Tani. */
  accounts: BankAccounts;
  bank: BankState;
  webhooks: BankWebhooks;
  /** e-Kartu Tani debit answers by the caller's `reference`. */
  cardDebits: RecordedAnswers;
  /** e-Kartu Tani credit answers by the caller's `reference`. */
  cardCredits: RecordedAnswers;
  /** BPJS's claims, their decisions and the decision webhooks. */
  claims: BpjsClaims;
  /** The bank's SNAP transfers (payouts), by partnerReferenceNo. */
  transfers: BankTransfers;
  /** PLKK accident cases, their guarantees and follow-up reports. */
  plkk: PlkkCases;
  /** The hospital's tokens, accident stays (and their notifications) and guarantee notices received. */
  hospital: HospitalState;
  /** Seeded, so a fault at rate 0.5 hits the same requests on every run. */
  random: Random;
}

export interface PartnerErrorBody {
  contentType: string;
  body: unknown;
}

/** One simulated partner: its URL prefix is `/<name>`. */
export interface PartnerSystemDefinition {
  name: PartnerSystem;
  /** The partner's own error shape, used for faults, unknown routes and unreadable requests too. */
  errorBody(status: number, message: string): PartnerErrorBody;
  routes(app: ServiceApp, ctx: SimContext): Promise<void>;
}
