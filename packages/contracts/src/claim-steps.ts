import { z } from 'zod';

/**
 * The claim steps' job inputs and results: the canonical contract between the gateway and the
 * bpjs, plkk, hospital, bank and ekartutani adapters. Amounts are integer rupiah; dates are
 * YYYY-MM-DD in Asia/Makassar, instants ISO 8601.
 *
 *   JKK  bpjs.check_coverage → hospital.await_admission (webhook) → plkk.report_case (stage I, guarantee)
 *        → hospital.notify_guarantee → hospital.await_discharge (webhook, the bill) → plkk.report_followup
 *        (stage II) → bpjs.submit_claim → bpjs.await_decision (webhook) → bank.pay_hospital
 *        → ekartutani.credit_card (card holders) | bank.pay_benefit (an account the agent gave)
 *   JKM  bpjs.check_coverage → bpjs.submit_claim → bpjs.await_decision (webhook) → bank.pay_heir
 */

const Nik = z.string().regex(/^\d{16}$/);
const Kpj = z.string().regex(/^\d{11}$/);
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const Rupiah = z.number().int().nonnegative();
export const ClaimProgram = z.enum(['jkk', 'jkm']);
export type ClaimProgram = z.infer<typeof ClaimProgram>;

/** A bank account money is paid to. */
export const BankAccount = z.object({
  bankCode: z.string().regex(/^\d{3}$/, 'must be a 3-digit bank code'),
  accountNo: z.string().regex(/^\d{6,20}$/, 'must be 6 to 20 digits'),
  holderName: z.string().trim().min(2).max(100),
});
export type BankAccount = z.infer<typeof BankAccount>;

export const BillLine = z.object({
  code: z.string().min(1).max(40),
  description: z.string().max(200),
  amount: Rupiah,
});
export const HospitalBill = z.object({
  billId: z.string().min(1),
  currency: z.literal('IDR'),
  total: Rupiah,
  lines: z.array(BillLine).min(1),
});
export type HospitalBill = z.infer<typeof HospitalBill>;

/** bpjs.check_coverage: was the participant covered on the event date? Rejected `coverage_inactive` or `participant_unknown`. */
export const CheckCoverageInput = z.object({ kpj: Kpj, nik: Nik, eventDate: IsoDate, program: ClaimProgram });
export const CoverageResult = z.object({ covered: z.literal(true), coveredUntil: IsoDate, declaredMonthlyIncome: z.number().int().positive() });

/** hospital.await_admission: completed by the hospital's admission notification. */
export const AdmissionResult = z.object({
  hospitalId: z.string().min(1),
  encounterId: z.string().min(1),
  admittedAt: z.string(),
});

/** plkk.report_case: the stage I report; the PLKK answers with its case id and the treatment guarantee. */
export const ReportCaseInput = z.object({
  caseRef: z.uuid(),
  kpj: Kpj,
  nik: Nik,
  accidentDate: IsoDate,
  description: z.string(),
  facilityId: z.string(),
  encounterId: z.string(),
  admittedAt: z.string(),
  /** Stage I is due 2x24 h after the accident (configuration); a late report is flagged, not refused. */
  deadline: z.string(),
  late: z.boolean(),
});
export const GuaranteeResult = z.object({
  plkkCaseId: z.string(),
  guaranteeId: z.string(),
  issuedAt: z.string(),
  /** Where the facility's bill is paid. */
  payee: BankAccount,
});

/** hospital.notify_guarantee: tells the hospital system, in FHIR, that treatment is guaranteed. */
export const NotifyGuaranteeInput = z.object({
  hospitalId: z.string(),
  encounterId: z.string(),
  nik: Nik,
  plkkCaseId: z.string(),
  guaranteeId: z.string(),
  issuedAt: z.string(),
});
export const NotifyGuaranteeResult = z.object({ notificationId: z.string() });

/** hospital.await_discharge: completed by the hospital's discharge notification with the bill. */
export const DischargeResult = z.object({ dischargedAt: z.string(), bill: HospitalBill });

/** plkk.report_followup: the stage II report, with the bill, after discharge. */
export const ReportFollowupInput = z.object({
  plkkCaseId: z.string(),
  dischargedAt: z.string(),
  bill: HospitalBill,
});
export const FollowupResult = z.object({ reportId: z.string() });

/** What a claim asks for, by part; every part is integer rupiah. */
export const ClaimAmounts = z.object({
  hospital: Rupiah.optional(),
  lostIncome: Rupiah.optional(),
  lumpSum: Rupiah.optional(),
  funeral: Rupiah.optional(),
  periodic: Rupiah.optional(),
  education: Rupiah.optional(),
});
export type ClaimAmounts = z.infer<typeof ClaimAmounts>;

/** bpjs.submit_claim: the claim, under our claim id (`claimRef`), which BPJS's decision webhook carries back. */
export const SubmitClaimInput = z.object({
  claimRef: z.uuid(),
  program: ClaimProgram,
  kpj: Kpj,
  nik: Nik,
  eventDate: IsoDate,
  requested: ClaimAmounts,
  plkkCaseId: z.string().optional(),
  guaranteeId: z.string().optional(),
  deathCertificateRef: z.string().optional(),
  heir: z.object({ nik: Nik, name: z.string(), relation: z.string() }).optional(),
});
export const SubmittedResult = z.object({ bpjsClaimId: z.string() });

/** bpjs.await_decision: completed by BPJS's signed decision webhook; a refusal is a rejection with BPJS's reason. */
export const DecisionResult = z.object({
  bpjsClaimId: z.string(),
  decision: z.literal('approved'),
  approved: ClaimAmounts,
  decidedAt: z.string(),
});

/** bank.pay_hospital, bank.pay_benefit, bank.pay_heir: a SNAP transfer; the reference makes it once-only. */
export const TransferInput = z.object({
  amount: z.number().int().positive(),
  beneficiary: BankAccount,
  /** Shown on the statement: claim id and what the money is for. */
  remark: z.string().max(100),
});
/**
 * Who must hold the account of a payout an agent gave (bank.pay_benefit: the farmer; bank.pay_heir: the
 * heir BPJS approved): the bank adapter asks the bank (SNAP account inquiry) and pays only when the
 * bank's holder is that person (`name`), or when a supervisor approved this account after a mismatch
 * (`supervisor`, recorded in ops_audit under `auditId`). The name the agent typed for the account
 * (`beneficiary.holderName`) is never what is checked: it proves nothing.
 */
export const HolderCheck = z.discriminatedUnion('by', [
  z.object({ by: z.literal('name'), name: z.string().trim().min(2).max(100) }),
  z.object({ by: z.literal('supervisor'), approvedBy: z.string().min(1), auditId: z.number().int().positive() }),
]);
export type HolderCheck = z.infer<typeof HolderCheck>;
export const VerifiedTransferInput = TransferInput.extend({ holder: HolderCheck });

/**
 * Why a payout to an account an agent gave is not made: the bank knows no such account, or holds it
 * under another name. Either stops the claim at `account_unverified` for a supervisor's decision;
 * a supervisor who refuses the account ends the claim `rejected` with `payoutAccountRejected`.
 */
export const PayoutAccountReason = {
  accountInvalid: 'beneficiary_account_invalid',
  nameMismatch: 'account_name_mismatch',
  payoutAccountRejected: 'payout_account_rejected',
} as const;

/** ekartutani.credit_card: credits the account behind the farmer's card. */
export const CardCreditInput = z.object({ nik: Nik, amount: z.number().int().positive(), remark: z.string().max(100) });

export const CLAIM_STEP_INPUTS = {
  'bpjs.check_coverage': CheckCoverageInput,
  'hospital.await_admission': z.object({}),
  'plkk.report_case': ReportCaseInput,
  'hospital.notify_guarantee': NotifyGuaranteeInput,
  'hospital.await_discharge': z.object({}),
  'plkk.report_followup': ReportFollowupInput,
  'bpjs.submit_claim': SubmitClaimInput,
  'bpjs.await_decision': z.object({}),
  'bank.pay_hospital': TransferInput,
  'bank.pay_benefit': VerifiedTransferInput,
  'ekartutani.credit_card': CardCreditInput,
  'bank.pay_heir': VerifiedTransferInput,
} as const;

/** Reasons a claim ends `rejected`. */
export const ClaimRejection = {
  coverageInactive: 'coverage_inactive',
  participantUnknown: 'participant_unknown',
} as const;

/**
 * Events partners start on their own, which an adapter verifies and hands to the gateway on the
 * intake queue: the hospital's admission and discharge of an accident patient.
 */
export const GATEWAY_INTAKE_QUEUE = 'gateway-intake';

export const HospitalAdmission = z.object({
  type: z.literal('hospital.admission'),
  /** The webhook delivery: the same id is the same notification. */
  deliveryId: z.string().min(1),
  correlationId: z.string(),
  hospitalId: z.string().min(1),
  encounterId: z.string().min(1),
  nik: Nik,
  admittedAt: z.string(),
  accidentDate: IsoDate,
  description: z.string().max(500),
  receivedAt: z.string(),
});
export const HospitalDischarge = z.object({
  type: z.literal('hospital.discharge'),
  deliveryId: z.string().min(1),
  correlationId: z.string(),
  hospitalId: z.string().min(1),
  encounterId: z.string().min(1),
  nik: Nik,
  dischargedAt: z.string(),
  bill: HospitalBill,
  receivedAt: z.string(),
});
export type HospitalAdmission = z.infer<typeof HospitalAdmission>;
export type HospitalDischarge = z.infer<typeof HospitalDischarge>;
export const IntakeEvent = z.discriminatedUnion('type', [HospitalAdmission, HospitalDischarge]);
export type IntakeEvent = z.infer<typeof IntakeEvent>;

export const INTAKE_JOB_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3_600, count: 50_000 },
  removeOnFail: { age: 30 * 24 * 3_600 },
} as const;
