/** A health facility that is a PLKK (Pusat Layanan Kecelakaan Kerja) of BPJS Ketenagakerjaan in Soppeng. */
export interface PlkkFacility {
  /** The facility's id, also its FHIR `Organization` id in the hospital's notifications. */
  id: string;
  name: string;
  kind: 'hospital' | 'puskesmas';
  /** Where BPJS pays the facility's bills. */
  account: { bankCode: string; accountNo: string; holderName: string };
}

/**
 * The PLKK facilities the simulated PLKK and hospital systems share. Fixed, not generated: a test
 * or a demo names them. Account numbers are made up.
 */
export const PLKK_FACILITIES: readonly PlkkFacility[] = [
  { id: 'rsud-latemmamala', name: 'RSUD Latemmamala Soppeng', kind: 'hospital', account: { bankCode: '126', accountNo: '1260073120001', holderName: 'RSUD Latemmamala Soppeng' } },
  { id: 'pkm-lalabata-rilau', name: 'Puskesmas Lalabata Rilau', kind: 'puskesmas', account: { bankCode: '126', accountNo: '1260073120102', holderName: 'Puskesmas Lalabata Rilau' } },
  { id: 'pkm-cabenge', name: 'Puskesmas Cabenge', kind: 'puskesmas', account: { bankCode: '002', accountNo: '002073120203', holderName: 'Puskesmas Cabenge' } },
  { id: 'pkm-takalala', name: 'Puskesmas Takalala', kind: 'puskesmas', account: { bankCode: '126', accountNo: '1260073120304', holderName: 'Puskesmas Takalala' } },
  { id: 'pkm-pacongkang', name: 'Puskesmas Pacongkang', kind: 'puskesmas', account: { bankCode: '009', accountNo: '009073120405', holderName: 'Puskesmas Pacongkang' } },
];

export const DEFAULT_FACILITY_ID = 'rsud-latemmamala';

export const facilityById: ReadonlyMap<string, PlkkFacility> = new Map(PLKK_FACILITIES.map((f) => [f.id, f]));
