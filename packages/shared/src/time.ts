// Scripts stamp times from Redis TIME as whole microseconds since the epoch; clients see ISO 8601
// UTC with six fraction digits, like "2025-05-31T22:46:00.123456Z".

export function microsToIso(micros: string | undefined): string | null {
  if (!micros || !/^\d+$/.test(micros)) return null;
  const padded = micros.padStart(7, '0');
  const seconds = Number(padded.slice(0, -6));
  const fraction = padded.slice(-6);
  const date = new Date(seconds * 1000);
  // A stamp past what a Date holds reads as no time, rather than failing the record it is in
  // and every listing that shows it.
  if (Number.isNaN(date.getTime())) return null;
  return date.toISOString().replace(/\.\d{3}Z$/, `.${fraction}Z`);
}
