/** The synthetic Kabupaten Soppeng every partner system reads from. Immutable once generated. */
export const FARMER_CASES = ['eligible', 'no_group', 'no_card', 'already_participant'] as const;
export type FarmerCase = (typeof FARMER_CASES)[number];

export type CardStatus = 'ACTIVE' | 'BLOCKED';

export interface Bank {
  kode: string;
  nama: string;
}

export interface FarmerCard {
  nomorKartu: string;
  status: CardStatus;
  bank: Bank;
  nomorRekening: string;
}

/** A BPJS participation that exists before the simulator starts. */
export interface PriorParticipation {
  kpj: string;
  registeredAt: string;
}

export interface Farmer {
  nik: string;
  fullName: string;
  birthDate: string;
  sex: 'M' | 'F';
  villageCode: string;
  kecamatanCode: string;
  address: string;
  phone: string;
  case: FarmerCase;
  groupId: string | null;
  card: FarmerCard | null;
  participation: PriorParticipation | null;
}

export interface FarmerGroup {
  id: string;
  name: string;
  villageCode: string;
  kecamatanCode: string;
  extensionWorkerId: string;
  memberCount: number;
}

export interface ExtensionWorker {
  id: string;
  name: string;
  kecamatanCode: string;
  villageCodes: string[];
  groupIds: string[];
}

export interface SoppengData {
  seed: number;
  /** Birth dates are drawn so ages run 20 to 62 in this year. */
  referenceYear: number;
  farmers: readonly Farmer[];
  groups: readonly FarmerGroup[];
  extensionWorkers: readonly ExtensionWorker[];
  farmerByNik: ReadonlyMap<string, Farmer>;
  farmersByKecamatan: ReadonlyMap<string, readonly Farmer[]>;
  farmersByCase: ReadonlyMap<FarmerCase, readonly Farmer[]>;
  groupById: ReadonlyMap<string, FarmerGroup>;
  groupsByVillage: ReadonlyMap<string, readonly FarmerGroup[]>;
  workerById: ReadonlyMap<string, ExtensionWorker>;
}
