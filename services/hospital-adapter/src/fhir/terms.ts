/** SATUSEHAT's identifier system for the national id (NIK). */
export const NIK_SYSTEM = 'https://fhir.kemkes.go.id/id/nik';

/** Our FHIR names (model, not SATUSEHAT profiles): where a resource carries what SATUSEHAT has no field for. */
export const SUTASOMA_FHIR = {
  /** Encounter extension, valueDate: the date of the work accident. */
  accidentDate: 'https://sutasoma.soppengkab.go.id/fhir/StructureDefinition/accident-date',
  /** CoverageEligibilityResponse extension, valueReference: the Encounter the guarantee covers. */
  encounter: 'https://sutasoma.soppengkab.go.id/fhir/StructureDefinition/encounter',
  /** Identifier system of our idempotency keys: the same value is the same notice. */
  idempotencyKey: 'https://sutasoma.soppengkab.go.id/fhir/idempotency-key',
  /** Identifier system of PLKK case ids. */
  plkkCase: 'https://sutasoma.soppengkab.go.id/fhir/plkk-case',
} as const;

export const FHIR_JSON = 'application/fhir+json';

export interface Issue {
  /** FHIRPath-like location of the problem, e.g. `Claim.item[1].net.value`. */
  expression: string;
  diagnostics: string;
}

/** A FHIR OperationOutcome: errors with the field they are about, or one informational line. */
export function operationOutcome(severity: 'error' | 'information', code: string, issues: Issue[] | string) {
  const list = typeof issues === 'string' ? [{ diagnostics: issues }] : issues;
  return {
    resourceType: 'OperationOutcome',
    issue: list.map((i) => ({ severity, code, diagnostics: i.diagnostics, ...('expression' in i ? { expression: [i.expression] } : {}) })),
  };
}
