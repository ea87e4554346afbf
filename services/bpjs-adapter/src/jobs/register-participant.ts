import { BpjsRegisterInput, RejectionReason } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import type { BpjsClient } from '../clients/bpjs.ts';

/** Registers the farmer in JKK and JKM; the step's idempotency key is BPJS's requestId. */
export const registerParticipant = (bpjs: BpjsClient) => defineStep({
  input: BpjsRegisterInput,
  async run(input, { job }) {
    const res = await bpjs.registerParticipant({ requestId: job.idempotencyKey, ...input });
    switch (res.kind) {
      case 'registered':
        return { outcome: 'succeeded', result: { kpj: res.kpj } };
      case 'already_participant':
        return { outcome: 'rejected', reasonCode: RejectionReason.alreadyParticipant, partnerStatus: 409 };
      case 'refused':
        return { outcome: 'rejected', reasonCode: RejectionReason.refusedByBpjs, detail: res.message, partnerStatus: res.status };
    }
  },
});
