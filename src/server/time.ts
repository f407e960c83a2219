/** The seed's timestamps: ISO 8601 in UTC, to the second, without a zone ("2024-01-01T00:00:00"). */
export function toSeedTime(iso: string | null | undefined): string | null {
  if (iso === null || iso === undefined) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 19);
}
