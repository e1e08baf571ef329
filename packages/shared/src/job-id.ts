// A job id (a UUID) as the 16 bytes it stands for, the form the stream indexes store: a third of
// the 36 characters, on every entry of the index of all jobs and of completed jobs.

/** The 16 bytes of a UUID given as 36 characters (8-4-4-4-12 hex digits). */
export function idToBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

/** The UUID back from its 16 bytes; anything else (an entry an older version wrote) as text. */
export function idFromBytes(bytes: Buffer): string {
  if (bytes.length !== 16) return bytes.toString('utf8');
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
