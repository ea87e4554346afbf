import { uniqueDigits } from './ids.ts';
import type { PlkkFacility } from './plkk-facilities.ts';

export interface CaseReport {
  requestId: string;
  caseRef: string;
  participant: { kpj: string; nik: string };
  accidentDate: string;
  description: string;
  facilityId: string;
  encounterId: string;
  admittedAt: string;
  deadline: string;
  late: boolean;
}

export interface FollowUpReport {
  requestId: string;
  dischargedAt: string;
  bill: { billId: string; currency: string; total: number; lines: { code: string; description: string; amount: number }[] };
}

export interface PlkkCase {
  caseId: string;
  report: CaseReport;
  guarantee: { id: string; issuedAt: string; class: 1 };
  payee: PlkkFacility['account'];
  createdAt: string;
  followUp: (FollowUpReport & { reportId: string; receivedAt: string }) | null;
}

/** The PLKK's case register: one case per stage I report, its guarantee letter, and its stage II report. */
export class PlkkCases {
  #cases = new Map<string, PlkkCase>();
  #byRequestId = new Map<string, PlkkCase>();
  #byEncounter = new Map<string, PlkkCase>();
  #byFollowUpRequestId = new Map<string, PlkkCase>();
  #caseIds = new Set<string>();
  #guaranteeIds = new Set<string>();
  #reportIds = new Set<string>();

  byRequestId(requestId: string): PlkkCase | undefined {
    return this.#byRequestId.get(requestId);
  }

  byId(caseId: string): PlkkCase | undefined {
    return this.#cases.get(caseId);
  }

  /** The case already open for this facility's encounter, whatever request opened it. */
  byEncounter(facilityId: string, encounterId: string): PlkkCase | undefined {
    return this.#byEncounter.get(`${facilityId}/${encounterId}`);
  }

  byFollowUpRequestId(requestId: string): PlkkCase | undefined {
    return this.#byFollowUpRequestId.get(requestId);
  }

  open(report: CaseReport, facility: PlkkFacility, now = new Date()): PlkkCase {
    const year = now.getUTCFullYear();
    const c: PlkkCase = {
      caseId: `PLKK-${year}-${uniqueDigits(8, this.#caseIds)}`,
      report,
      guarantee: { id: `SJP-${year}-${uniqueDigits(8, this.#guaranteeIds)}`, issuedAt: now.toISOString(), class: 1 },
      payee: { ...facility.account },
      createdAt: now.toISOString(),
      followUp: null,
    };
    this.#cases.set(c.caseId, c);
    this.#byRequestId.set(report.requestId, c);
    this.#byEncounter.set(`${report.facilityId}/${report.encounterId}`, c);
    return c;
  }

  followUp(c: PlkkCase, report: FollowUpReport, now = new Date()): NonNullable<PlkkCase['followUp']> {
    c.followUp = { ...report, reportId: `LNJ-${now.getUTCFullYear()}-${uniqueDigits(8, this.#reportIds)}`, receivedAt: now.toISOString() };
    this.#byFollowUpRequestId.set(report.requestId, c);
    return c.followUp;
  }

  all(): PlkkCase[] {
    return [...this.#cases.values()];
  }
}
