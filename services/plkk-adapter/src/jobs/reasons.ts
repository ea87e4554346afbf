/** Why a PLKK step ends `rejected`: the PLKK's business answers, as the gateway sees them. */
export const PlkkRejection = {
  /** 404 on stage I: the facility is not a PLKK. */
  facilityNotPlkk: 'facility_not_plkk',
  /** 409 on stage I: the stay was already reported under another request. */
  caseExists: 'plkk_case_exists',
  /** 404 on stage II. */
  caseUnknown: 'plkk_case_unknown',
  /** 422 on stage II: currency, a negative line, or a total that is not the sum of the lines. */
  billRefused: 'bill_refused',
  /** 409 on stage II: the case already has its follow-up report. */
  followupExists: 'plkk_followup_exists',
  /** Any other 4xx. */
  refused: 'refused_by_plkk',
} as const;
