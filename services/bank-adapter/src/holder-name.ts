/**
 * Whether the name a bank holds an account under is the person we mean to pay. Indonesian bank
 * records write names in capitals, shorten common given names ("MUH." for Muhammad, "ABD." for
 * Abdul), write an initial for a middle name, add "H."/"HJ." for a haji and a degree after a comma.
 * Those are tolerated; nothing that could be another person is:
 *
 * 1. Both names are normalised: accents dropped, upper case, apostrophes removed, every other
 *    character that is not a letter (dots, commas, hyphens, spaces) separates words, and what
 *    follows the first comma (a degree: ", S.PD") is left out.
 * 2. A leading title is left out: H, HJ, HJH, HAJI, HAJJAH, DR, DRS, DRA, IR, PROF.
 * 3. Known spellings and shortenings of one name become that name: MUH, MOH, MOCH, MUHD, MHD, MOHD,
 *    MUHAMAD, MOHAMMAD, MOHAMAD, MOCHAMMAD, MOCHAMAD, MUHAMMED → MUHAMMAD; ABD → ABDUL; ST, SITI → SITTI.
 * 4. The two names then have the same number of words, in the same order, each pair the same word,
 *    except that at most one word (never the last, which is a whole word) may be an initial: one
 *    letter, the first of the other name's word.
 *
 * No fuzzy distance (Levenshtein, Jaro-Winkler): "HASAN" and "HASNAH" are one edit apart and two
 * people. Anything else (a word missing, words in another order, a spelling not listed) is a
 * mismatch, and a supervisor decides.
 */
const TITLES = new Set(['H', 'HJ', 'HJH', 'HAJI', 'HAJJAH', 'DR', 'DRS', 'DRA', 'IR', 'PROF']);

const SAME_NAME: Record<string, string> = {
  MUH: 'MUHAMMAD', MOH: 'MUHAMMAD', MOCH: 'MUHAMMAD', MUHD: 'MUHAMMAD', MHD: 'MUHAMMAD', MOHD: 'MUHAMMAD',
  MUHAMAD: 'MUHAMMAD', MOHAMMAD: 'MUHAMMAD', MOHAMAD: 'MUHAMMAD', MOCHAMMAD: 'MUHAMMAD', MOCHAMAD: 'MUHAMMAD', MUHAMMED: 'MUHAMMAD',
  ABD: 'ABDUL',
  ST: 'SITTI', SITI: 'SITTI',
};

export function nameWords(name: string): string[] {
  const words = name.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase().split(',')[0]!
    .replace(/['’`]/g, '')
    .split(/[^A-Z]+/)
    .filter((w) => w.length > 0);
  while (words.length > 1 && TITLES.has(words[0]!)) words.shift();
  return words.map((w) => SAME_NAME[w] ?? w);
}

export function sameHolder(expected: string, recorded: string): boolean {
  const a = nameWords(expected);
  const b = nameWords(recorded);
  if (a.length === 0 || a.length !== b.length || a[a.length - 1]!.length < 2) return false;
  let initials = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const initial = (x.length === 1 && y.startsWith(x)) || (y.length === 1 && x.startsWith(y));
    if (!initial || i === a.length - 1 || (initials += 1) > 1) return false;
  }
  return true;
}
