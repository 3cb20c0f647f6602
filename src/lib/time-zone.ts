/**
 * The canonical name of an IANA time zone (`asia/seoul` → `Asia/Seoul`), or undefined when the
 * platform's Intl does not know it.
 */
export function canonicalTimeZone(name: string): string | undefined {
  // Offsets such as "+05:30" are not IANA zones: Intl takes them, PostgreSQL reads them as POSIX
  // zones with the sign inverted. Only named zones ("Asia/Kolkata", "Etc/GMT-5", "UTC") are kept.
  if (!name || name.length > 64 || !/^[A-Za-z]/.test(name)) return undefined;
  try {
    const canonical = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
    return /^[A-Za-z]/.test(canonical) ? canonical : undefined;
  } catch {
    return undefined;
  }
}

export const DEFAULT_TIME_ZONE = "Asia/Seoul";
