// Building an Intl formatter is costly (it showed in the gateway's CPU profile): build it once.
const WITA = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Makassar', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's date in Soppeng (WITA, UTC+8), as YYYY-MM-DD: ages and months turn at local midnight. */
export function todayInSoppeng(now = new Date()): string {
  return WITA.format(now);
}
