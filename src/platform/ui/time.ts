/**
 * Times shown to people are China Standard Time (UTC+8, no daylight saving); stored times are UTC.
 */
const CST_OFFSET_MS = 8 * 3_600_000;

/** ISO 8601 with the +08:00 offset, e.g. `2024-05-01T20:00:00.000+08:00`. */
export function chinaIso(iso: string | Date): string {
  const shifted = new Date(new Date(iso).getTime() + CST_OFFSET_MS).toISOString();
  return `${shifted.slice(0, 23)}+08:00`;
}

/** `2024-05-01 20:00:00` (China Standard Time). */
export const formatChinaTime = (iso: string | Date): string => chinaIso(iso).slice(0, 19).replace('T', ' ');
