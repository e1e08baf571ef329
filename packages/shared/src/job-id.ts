// A job id (a UUID) as the 16 bytes it stands for, the form the stream indexes store: a third of
// the 36 characters, for every job in the index of all jobs and of completed jobs.

/** The 16 bytes of each UUID given as 36 characters (8-4-4-4-12 hex digits), one after another. */
export function idsToBytes(ids: string[]): Buffer {
  const bytes = Buffer.allocUnsafe(16 * ids.length);
  ids.forEach((id, i) => bytes.write(id.replace(/-/g, ''), 16 * i, 16, 'hex'));
  return bytes;
}

/** The UUID back from its 16 bytes. */
export function idFromBytes(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The ids of one index entry, in order: 16 bytes each. */
export function idsFromIndexEntry(value: Buffer): string[] {
  const ids: string[] = [];
  for (let at = 0; at < value.length; at += 16) ids.push(idFromBytes(value.subarray(at, at + 16)));
  return ids;
}
