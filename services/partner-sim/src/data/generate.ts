import { KECAMATAN, VILLAGES, composeNik } from '@sutasoma/contracts';
import { BANKS, DUSUN_NAMES, FEMALE_NAMES, GROUP_NAMES, MALE_NAMES, MOBILE_PREFIXES, SECOND_NAMES } from './names.ts';
import { apportion, createRandom, shuffled, type Random } from './prng.ts';
import {
  FARMER_CASES, type Bank, type Farmer, type FarmerCard, type FarmerCase, type FarmerGroup, type ExtensionWorker, type SoppengData,
} from './soppeng.ts';

/** The seed's figures (DOMAIN.md): 55,289 uncovered farmers in 892 groups over 70 villages. */
export const FARMER_COUNT = 55_289;
export const GROUP_COUNT = 892;
export const EXTENSION_WORKER_TARGET = 110;

const SHARE_NO_GROUP = 0.03;
const SHARE_NO_CARD = 0.12;
const SHARE_ALREADY_PARTICIPANT = 0.01;
const SHARE_BLOCKED_CARDS = 0.02;
const SHARE_MALE = 0.62;
export const FIRST_KPJ_SEQUENCE = 301_000_001;

const BANK_REFS: readonly Bank[] = BANKS.map((b) => ({ kode: b.kode, nama: b.nama }));

const cache = new Map<string, SoppengData>();

/** The same seed and year always give the same Soppeng; results are cached, as they never change. */
export function generateSoppeng(seed: number, referenceYear = new Date().getUTCFullYear()): SoppengData {
  const key = `${seed}:${referenceYear}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const data = build(seed, referenceYear);
  cache.set(key, data);
  return data;
}

function build(seed: number, referenceYear: number): SoppengData {
  const random = createRandom(seed);
  const villageWeights = VILLAGES.map(() => 0.8 + random.next() * 0.4);
  const groupCounts = apportion(GROUP_COUNT, villageWeights);
  const farmerCounts = apportion(FARMER_COUNT, groupCounts.map((g) => g * (0.9 + random.next() * 0.2)));

  const groups: FarmerGroup[] = [];
  const groupsByVillage = new Map<string, FarmerGroup[]>();
  VILLAGES.forEach((village, vi) => {
    const names = shuffled(GROUP_NAMES, random);
    const own = Array.from({ length: groupCounts[vi] ?? 0 }, (_, gi): FarmerGroup => ({
      id: `PKT-${village.code}-${String(gi + 1).padStart(2, '0')}`,
      name: `Poktan ${names[gi % names.length] ?? 'Sipakatau'}`,
      villageCode: village.code,
      kecamatanCode: village.kecamatanCode,
      extensionWorkerId: '',
      memberCount: 0,
    }));
    groups.push(...own);
    groupsByVillage.set(village.code, own);
  });
  const extensionWorkers = assignExtensionWorkers(groups, random);

  // Names, addresses and dates are drawn from shared strings: 55k farmers then cost little memory
  // and generation stays well under a second.
  const names = nameTables();
  const birthDates = new Map<number, string>();
  const serials = new Map<number, number>();
  const farmers: Farmer[] = [];
  let cardSequence = 0;
  let kpjSequence = FIRST_KPJ_SEQUENCE;
  VILLAGES.forEach((village, vi) => {
    const villageGroups = groupsByVillage.get(village.code) ?? [];
    const addresses = DUSUN_NAMES.map((d) => `Dusun ${d}, Desa ${village.name}`);
    const kecamatanIndex = Number(village.kecamatanCode.slice(4));
    for (let i = 0; i < (farmerCounts[vi] ?? 0); i += 1) {
      const sex = random.chance(SHARE_MALE) ? 'M' : 'F';
      const year = referenceYear - random.int(21, 62);
      const month = random.int(1, 12);
      const dateKey = year * 10_000 + month * 100 + random.int(1, daysIn(year, month));
      let birthDate = birthDates.get(dateKey);
      if (birthDate === undefined) {
        birthDate = `${year}-${pad(month)}-${pad(dateKey % 100)}`;
        birthDates.set(dateKey, birthDate);
      }
      const serialKey = (dateKey * 2 + (sex === 'F' ? 1 : 0)) * 100 + kecamatanIndex;
      const serial = (serials.get(serialKey) ?? 0) + 1;
      serials.set(serialKey, serial);
      const farmerCase = rollCase(random);
      const group = farmerCase === 'no_group' ? null : villageGroups[i % villageGroups.length] ?? null;
      if (group) group.memberCount += 1;
      const hasCard = farmerCase === 'eligible' || farmerCase === 'already_participant';
      farmers.push({
        nik: composeNik(village.kecamatanCode, birthDate, sex, serial),
        fullName: random.pick(random.pick(sex === 'M' ? names.male : names.female)),
        birthDate,
        sex,
        villageCode: village.code,
        kecamatanCode: village.kecamatanCode,
        address: random.pick(addresses),
        phone: `08${random.pick(MOBILE_PREFIXES)}${digits(random.int(7, 9), random)}`,
        case: farmerCase,
        groupId: group?.id ?? null,
        card: hasCard ? cardFor(cardSequence++, random) : null,
        participation: farmerCase === 'already_participant'
          ? { kpj: `26${kpjSequence++}`, registeredAt: pastRegistration(referenceYear, random) }
          : null,
      });
    }
  });

  const farmersByKecamatan = new Map<string, Farmer[]>(KECAMATAN.map((k) => [k.code, []]));
  const farmersByCase = new Map<FarmerCase, Farmer[]>(FARMER_CASES.map((c) => [c, []]));
  for (const f of farmers) {
    farmersByKecamatan.get(f.kecamatanCode)?.push(f);
    farmersByCase.get(f.case)?.push(f);
  }
  return {
    seed,
    referenceYear,
    farmers,
    groups,
    extensionWorkers,
    farmerByNik: new Map(farmers.map((f) => [f.nik, f])),
    farmersByKecamatan,
    farmersByCase,
    groupById: new Map(groups.map((g) => [g.id, g])),
    groupsByVillage,
    workerById: new Map(extensionWorkers.map((w) => [w.id, w])),
  };
}

/**
 * Each kecamatan's groups, in village order, are cut into runs of about 8; a run never spans
 * more than two villages because every village has more groups than the longest run.
 */
function assignExtensionWorkers(groups: FarmerGroup[], random: Random): ExtensionWorker[] {
  const workers: ExtensionWorker[] = [];
  for (const k of KECAMATAN) {
    const own = groups.filter((g) => g.kecamatanCode === k.code);
    const count = Math.max(1, Math.round((own.length * EXTENSION_WORKER_TARGET) / GROUP_COUNT));
    const runs = apportion(own.length, Array.from({ length: count }, () => 1));
    let at = 0;
    runs.forEach((size, wi) => {
      const served = own.slice(at, at + size);
      at += size;
      const id = `PNY-${k.code}-${String(wi + 1).padStart(2, '0')}`;
      for (const g of served) g.extensionWorkerId = id;
      workers.push({
        id,
        name: `${nameFor(random.chance(0.55) ? 'M' : 'F', random)}, ${random.pick(['S.P.', 'S.ST.', 'A.Md.', 'S.TP.'])}`,
        kecamatanCode: k.code,
        villageCodes: [...new Set(served.map((g) => g.villageCode))],
        groupIds: served.map((g) => g.id),
      });
    });
  }
  return workers;
}

function rollCase(random: Random): FarmerCase {
  const r = random.next();
  if (r < SHARE_NO_GROUP) return 'no_group';
  if (r < SHARE_NO_GROUP + SHARE_NO_CARD) return 'no_card';
  if (r < SHARE_NO_GROUP + SHARE_NO_CARD + SHARE_ALREADY_PARTICIPANT) return 'already_participant';
  return 'eligible';
}

function pastRegistration(referenceYear: number, random: Random): string {
  const year = referenceYear - random.int(1, 3);
  const month = random.int(1, 12);
  return `${year}-${pad(month)}-${pad(random.int(1, daysIn(year, month)))}T0${random.int(1, 8)}:${pad(random.int(0, 59))}:00.000Z`;
}

/**
 * Every first name alone or with a second name; the bare name fills as many slots as the
 * second names together, so about half the farmers carry a single name.
 */
function nameTables(): { male: string[][]; female: string[][] } {
  const combine = (first: string) => [
    ...SECOND_NAMES.map(() => first),
    ...SECOND_NAMES.map((second) => `${first} ${second}`),
  ];
  return { male: MALE_NAMES.map(combine), female: FEMALE_NAMES.map(combine) };
}

function nameFor(sex: 'M' | 'F', random: Random): string {
  const first = random.pick(sex === 'M' ? MALE_NAMES : FEMALE_NAMES);
  return random.chance(0.5) ? `${first} ${random.pick(SECOND_NAMES)}` : first;
}

function cardFor(sequence: number, random: Random): FarmerCard {
  const r = random.next();
  let acc = 0;
  const i = Math.max(0, BANKS.findIndex((b) => (acc += b.share) > r));
  const bank = BANKS[i] ?? BANKS[0];
  return {
    nomorKartu: `${bank.cardPrefix}${digits(4, random)}${String(sequence).padStart(8, '0')}`,
    status: random.chance(SHARE_BLOCKED_CARDS) ? 'BLOCKED' : 'ACTIVE',
    bank: BANK_REFS[i] ?? { kode: bank.kode, nama: bank.nama },
    // An account number starting with 9 is an agent collection account at the simulated bank, so
    // a farmer's never does (mapped without drawing, so the rest of Soppeng is unchanged).
    nomorRekening: digits(bank.accountDigits, random).replace(/^9/, '1'),
  };
}

/** Numeric chunks rather than one character at a time: 55k farmers' strings stay flat and cheap. */
function digits(n: number, random: Random): string {
  let out = '';
  for (let left = n; left > 0; left -= 8) {
    const k = Math.min(8, left);
    out += String(random.int(0, 10 ** k - 1)).padStart(k, '0');
  }
  return out;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1] ?? 30;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
