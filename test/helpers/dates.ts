/** Days and instants as the suites build them (UTC unless said). */

export const DAYS = 24 * 3600 * 1000;

/** The UTC calendar day `offset` days from today (what a UTC user's local day is). */
export function utcDay(offset = 0): string {
  return new Date(Date.now() + offset * DAYS).toISOString().slice(0, 10);
}

/**
 * An instant on the UTC day `offset` days from today, at `time` (HH:MM:SS). Any time of today or of
 * an earlier day is accepted by the API; for tomorrow keep it just after midnight (≤ 1 day ahead).
 */
export function onDay(offset: number, time = "12:00:00"): string {
  return `${utcDay(offset)}T${time}Z`;
}

/** An instant `ms` from now, ISO. */
export const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

/** A calendar day `n` days after `day` (YYYY-MM-DD arithmetic, no time zones involved). */
export function addDays(day: string, n: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
