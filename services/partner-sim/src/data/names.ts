/** Name pools for a Bugis-flavoured Soppeng; invented people, common names. */
export const MALE_NAMES = [
  'Baso', 'Beddu', 'Sudirman', 'Muhammad Yusuf', 'Abdul Rahman', 'Amiruddin', 'Syamsuddin', 'Haruna',
  'Mappe', 'Sanusi', 'Hamzah', 'Kamaruddin', 'Nurdin', 'Rusli', 'Jufri', 'Ridwan', 'Ismail', 'Usman',
  'Hasanuddin', 'Muhammad Ali', 'La Tang', 'La Baco', 'Sappe', 'Mustari', 'Basri', 'Syahrir', 'Herman',
  'Jamaluddin', 'Tajuddin', 'Muhammad Arif', 'Ambo Dalle', 'Ambo Tuwo', 'Lacce', 'Mansyur', 'Darwis',
  'Muhammad Saleh', 'Abdul Kadir', 'Andi Makkasau', 'Rahman', 'Sulaiman',
] as const;

export const FEMALE_NAMES = [
  'Besse', 'Hasnah', 'Sitti Aminah', 'Hadijah', 'Nurhayati', 'Hasnawati', 'Sitti Rahma', 'Becce',
  'Indo Upe', 'Nurmiati', 'Rosmini', 'Hamsiah', 'Sitti Nurhaedah', 'Kasmawati', 'Nuraeni', 'Mariama',
  'Jumriati', 'Hasniah', 'Hartati', 'Darmawati', 'Salmiah', 'Nurjannah', 'Ratna', 'Sumarni',
  'Satriani', 'Suriani', 'Hania', 'Indo Tang', 'Sitti Hawang', 'Marhuma', 'Nurbaya', 'Andi Tenri',
] as const;

/** Bugis names often carry the father's name or a second given name. */
export const SECOND_NAMES = [
  'Lallo', 'Tahir', 'Saleh', 'Mappiare', 'Lamba', 'Sampe', 'Massa', 'Patang', 'Pawelloi', 'Lasse',
  'Bakri', 'Dolla', 'Hamid', 'Latief', 'Side', 'Tenri', 'Mattola', 'Pabbicara', 'Unding', 'Sultan',
] as const;

/** At least as many as the largest village has groups, so names stay unique within a village. */
export const GROUP_NAMES = [
  'Sipakatau', 'Sipakalebbi', 'Sipatokkong', 'Sipakainge', 'Resopa Temmangingngi', 'Tunas Harapan',
  'Mattirobulu', 'Sumber Rezeki', 'Tani Makmur', 'Mekar Jaya', 'Padaidi', 'Assamaturuseng', 'Mallomo',
  'Ininnawa', 'Siamasei', 'Ammaccangeng', 'Bunga Padi', 'Tellu Limpoe', 'Maju Bersama', 'Sipurennu',
] as const;

export const DUSUN_NAMES = [
  'Bulu', 'Salo', 'Ale', 'Tanete', 'Lapae', 'Watu', 'Ujung', 'Tengnga', 'Laburawung', 'Cenrana',
  'Awo', 'Lompo', 'Mallari', 'Jampu', 'Lamuru', 'Kampiri', 'Coppo', 'Labbae',
] as const;

export const BANKS = [
  { kode: '002', nama: 'BRI', cardPrefix: '5221', accountDigits: 15, share: 0.55 },
  { kode: '009', nama: 'BNI', cardPrefix: '5264', accountDigits: 10, share: 0.2 },
  { kode: '008', nama: 'Bank Mandiri', cardPrefix: '4616', accountDigits: 13, share: 0.1 },
  { kode: '126', nama: 'Bank Sulselbar', cardPrefix: '6274', accountDigits: 11, share: 0.15 },
] as const;

export const MOBILE_PREFIXES = ['11', '12', '13', '21', '22', '23', '51', '52', '53', '77', '78', '95', '96', '81', '82'] as const;
