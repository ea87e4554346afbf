/** Today's date in Soppeng (WITA, UTC+8), as YYYY-MM-DD: ages and months turn at local midnight. */
export function todayInSoppeng(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Makassar', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
