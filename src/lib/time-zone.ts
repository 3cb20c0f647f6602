/**
 * The canonical name of an IANA time zone (`asia/seoul` → `Asia/Seoul`), or undefined when the
 * platform's Intl does not know it.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!name || name.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export const DEFAULT_TIME_ZONE = "Asia/Seoul";
