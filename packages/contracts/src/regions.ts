/**
 * Kabupaten Soppeng (Kemendagri code 73.12): its 8 kecamatan, each with its BPP, and 70 villages.
 * Kecamatan names are real; village names are drawn from Soppeng place names, and codes follow the
 * Kemendagri pattern (province.regency.district.village) but are assigned here, not looked up.
 */
export interface Kecamatan {
  code: string;
  name: string;
  bpp: string;
}

export interface Village {
  code: string;
  name: string;
  kecamatanCode: string;
}

const VILLAGE_NAMES: Record<string, string[]> = {
  Marioriwawo: ['Takalala', 'Goarie', 'Tellang Kere', 'Labessi', 'Marioritengnga', 'Soga', 'Tompo', 'Watu', 'Panincong', 'Bulue', 'Gattareng', 'Barae'],
  Lalabata: ['Botto', 'Bila', 'Lemba', 'Lalabata Rilau', 'Salokaraja', 'Ompo', 'Mattabulu', 'Maccile', 'Umpungeng', 'Lapajung'],
  Liliriaja: ['Jennae', 'Galung', 'Appanang', 'Rompegading', 'Barang', 'Pattojo', 'Timusu', 'Macanre', 'Cangadi'],
  Lilirilau: ['Cabenge', 'Ujung', 'Paroto', 'Pajalesang', 'Palangiseng', 'Baringeng', 'Kebo', 'Abbanuange', 'Parenring', 'Masing', 'Tetewatu', 'Aseloe'],
  'Donri Donri': ['Pesse', 'Kessing', 'Sering', 'Labokong', 'Tottong', 'Donri Donri', 'Pising', 'Leworeng', 'Lalabata Donri'],
  Marioriawa: ['Batu Batu', 'Attang Salo', 'Kaca', 'Laringgi', 'Limpomajang', 'Manorang Salo', 'Bulu Marioriawa', 'Tellulimpoe', 'Patampanua', 'Panincong Marioriawa'],
  Ganra: ['Ganra', 'Lompulle', 'Belo', 'Enrekeng'],
  Citta: ['Citta', 'Kampiri', 'Labae', 'Tinco'],
};

export const KECAMATAN: readonly Kecamatan[] = Object.keys(VILLAGE_NAMES).map((name, i) => ({
  code: `7312${String(i + 1).padStart(2, '0')}`,
  name,
  bpp: `BPP ${name}`,
}));

export const VILLAGES: readonly Village[] = KECAMATAN.flatMap((k) =>
  (VILLAGE_NAMES[k.name] ?? []).map((name, i) => ({
    code: `${k.code}${i < 9 ? '200' : '20'}${i + 1}`,
    name,
    kecamatanCode: k.code,
  })),
);

const villageByCode = new Map(VILLAGES.map((v) => [v.code, v]));
const kecamatanByCode = new Map(KECAMATAN.map((k) => [k.code, k]));

export function findVillage(code: string): Village | undefined {
  return villageByCode.get(code);
}

export function findKecamatan(code: string): Kecamatan | undefined {
  return kecamatanByCode.get(code);
}

export function kecamatanByName(name: string): Kecamatan | undefined {
  const wanted = name.trim().toLowerCase().replace(/[-\s]+/g, ' ');
  return KECAMATAN.find((k) => k.name.toLowerCase() === wanted);
}

export function villagesOf(kecamatanCode: string): Village[] {
  return VILLAGES.filter((v) => v.kecamatanCode === kecamatanCode);
}
