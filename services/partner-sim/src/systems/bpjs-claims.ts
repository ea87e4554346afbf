import type { Logger } from '@sutasoma/service-kit';
import type { FaultRegistry } from '../faults.ts';
import { RecordedAnswers } from '../recorded-answers.ts';
import type { WebhookSender } from '../webhook-sender.ts';
import type { BpjsContributions } from './bpjs-contributions.ts';
import type { BpjsParticipants } from './bpjs-participants.ts';
import { uniqueDigits } from './ids.ts';

/** The parts a claim asks for, in rupiah, named as in the decision webhook (our ClaimAmounts). */
export const CLAIM_PARTS = ['hospital', 'lostIncome', 'lumpSum', 'funeral', 'periodic', 'education'] as const;
export type ClaimPart = (typeof CLAIM_PARTS)[number];
export type ClaimParts = Partial<Record<ClaimPart, number>>;

export type ClaimDecision = 'approved' | 'rejected' | 'documents_requested';
export type ClaimStatus = 'DIAJUKAN' | 'DOKUMEN_DIMINTA' | 'DISETUJUI' | 'DITOLAK';

/** What `POST /_sim/bpjs/claims/decisions` presets for a participant's next claim. */
export interface DecisionPreset {
  decision: 'reject' | 'documents';
  reasonCode?: string | undefined;
  reason?: string | undefined;
}

export interface SentDecision {
  decision: ClaimDecision;
  reasonCode: string | null;
  webhookId: string;
  decidedAt: string;
}

export interface BpjsClaim {
  /** BPJS's claim number: KLM and 12 digits. */
  noKlaim: string;
  /** The caller's idempotency key. */
  requestId: string;
  /** The caller's claim id, which the decision webhook carries back. */
  claimRef: string;
  program: 'JKK' | 'JKM';
  kpj: string;
  nik: string;
  eventDate: string;
  requested: ClaimParts;
  status: ClaimStatus;
  preset: DecisionPreset | null;
  decisions: SentDecision[];
  submittedAt: string;
}

export type NewClaim = Pick<BpjsClaim, 'requestId' | 'claimRef' | 'program' | 'kpj' | 'nik' | 'eventDate' | 'requested'>;

export interface BpjsClaimsOptions {
  participants: BpjsParticipants;
  contributions: BpjsContributions;
  faults: FaultRegistry;
  webhooks: WebhookSender;
  /** How long after submission (and after a documents request) BPJS decides. */
  decisionDelayMs: number;
  log: Logger;
}

const STATUS: Record<ClaimDecision, ClaimStatus> = { approved: 'DISETUJUI', rejected: 'DITOLAK', documents_requested: 'DOKUMEN_DIMINTA' };

/**
 * BPJS's JKK and JKM claims for this run. Each claim is decided `decisionDelayMs` after it was
 * submitted and the decision sent as a signed webhook: approved as requested when the event date
 * is in covered time, rejected `coverage_inactive` when not, `participant_unknown` when BPJS does
 * not know the KPJ with that NIK; a preset decision overrides the rules. While BPJS itself is
 * faulted (down, error, timeout), no decision is made: it waits until the fault is cleared.
 */
export class BpjsClaims {
  readonly answers = new RecordedAnswers();
  readonly webhooks: WebhookSender;
  readonly #opts: BpjsClaimsOptions;
  #byRef = new Map<string, BpjsClaim>();
  #all: BpjsClaim[] = [];
  #ids = new Set<string>();
  #presets = new Map<string, DecisionPreset[]>();
  #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(opts: BpjsClaimsOptions) {
    this.#opts = opts;
    this.webhooks = opts.webhooks;
  }

  byRef(claimRef: string): BpjsClaim | undefined {
    return this.#byRef.get(claimRef);
  }

  all(): readonly BpjsClaim[] {
    return this.#all;
  }

  /** Queues a decision for this participant's next claim; several queue up in order. */
  preset(kpj: string, preset: DecisionPreset): void {
    const list = this.#presets.get(kpj) ?? [];
    list.push(preset);
    this.#presets.set(kpj, list);
  }

  submit(input: NewClaim, now = new Date()): BpjsClaim {
    const claim: BpjsClaim = {
      ...input,
      noKlaim: `KLM${uniqueDigits(12, this.#ids)}`,
      status: 'DIAJUKAN',
      preset: this.#presets.get(input.kpj)?.shift() ?? null,
      decisions: [],
      submittedAt: now.toISOString(),
    };
    this.#byRef.set(claim.claimRef, claim);
    this.#all.push(claim);
    this.#later(() => this.#decide(claim, 'first'));
    return claim;
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.webhooks.close();
  }

  #decide(claim: BpjsClaim, round: 'first' | 'after_documents'): void {
    const fault = this.#opts.faults.get('bpjs');
    if (fault && fault.mode !== 'latency') {
      this.#later(() => this.#decide(claim, round));
      return;
    }
    if (round === 'first' && claim.preset?.decision === 'documents') {
      this.#send(claim, 'documents_requested', { reasonCode: claim.preset.reasonCode ?? 'documents_incomplete', reason: claim.preset.reason ?? 'Dokumen pendukung belum lengkap' });
      this.#later(() => this.#decide(claim, 'after_documents'));
      return;
    }
    if (round === 'first' && claim.preset?.decision === 'reject') {
      this.#send(claim, 'rejected', { reasonCode: claim.preset.reasonCode ?? 'claim_refused', reason: claim.preset.reason ?? 'Klaim ditolak' });
      return;
    }
    const participant = this.#opts.participants.byKpj(claim.kpj);
    if (!participant || participant.nik !== claim.nik) {
      this.#send(claim, 'rejected', { reasonCode: 'participant_unknown', reason: 'Peserta tidak ditemukan' });
      return;
    }
    if (!this.#opts.contributions.coverage(claim.kpj, claim.eventDate).covered) {
      this.#send(claim, 'rejected', { reasonCode: 'coverage_inactive', reason: `Tanggal kejadian ${claim.eventDate} di luar masa kepesertaan aktif` });
      return;
    }
    this.#send(claim, 'approved', {});
  }

  #send(claim: BpjsClaim, decision: ClaimDecision, why: { reasonCode?: string; reason?: string }): void {
    const decidedAt = new Date().toISOString();
    const approved = decision === 'approved' ? { ...claim.requested } : {};
    const webhookId = this.webhooks.notify(claim.claimRef, {
      claimRef: claim.claimRef, bpjsClaimId: claim.noKlaim, decision, ...why, approved, decidedAt,
    });
    claim.status = STATUS[decision];
    claim.decisions.push({ decision, reasonCode: why.reasonCode ?? null, webhookId, decidedAt });
    this.#opts.log.info({ claimRef: claim.claimRef, noKlaim: claim.noKlaim, decision, webhookId }, 'claim decided');
  }

  #later(run: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, this.#opts.decisionDelayMs);
    this.#timers.add(timer);
  }
}
