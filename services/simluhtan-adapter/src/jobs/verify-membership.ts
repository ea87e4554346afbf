import { NikInput, RejectionReason } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import type { SimluhtanClient } from '../clients/simluhtan.ts';

/** A farmer Simluhtan does not list in any farmer group is not eligible: a rejection, not a fault. */
export const verifyMembership = (simluhtan: SimluhtanClient) => defineStep({
  input: NikInput,
  async run({ nik }) {
    const m = await simluhtan.membership(nik);
    if (!m.found) return { outcome: 'rejected', reasonCode: RejectionReason.notInFarmerGroup, partnerStatus: 404 };
    return {
      outcome: 'succeeded',
      result: { farmerGroupId: m.groupId, farmerGroupName: m.groupName, extensionWorkerId: m.workerId, extensionWorkerName: m.workerName },
    };
  },
});
