// How many live-log streams may be open at once, in all and per client. A stream holds a socket
// and a bounded buffer for as long as the client stays, so the caps bound what clients can make
// the API hold. A client over its share gets 429, a full API 503, both with Retry-After.

import { QueueError } from '@jobqueue/shared';

export interface StreamCaps {
  /** Streams open at once in this process. */
  maxStreams: number;
  /** Streams open at once per client (its IP, or its token when API_TOKEN is set). */
  maxStreamsPerClient: number;
}

export class StreamAdmission {
  private total = 0;
  private readonly perClient = new Map<string, number>();

  constructor(private readonly caps: StreamCaps) {}

  get open(): number {
    return this.total;
  }

  /** Admits one stream for `client` or throws; the returned function lets it go (once). */
  admit(client: string): () => void {
    const mine = this.perClient.get(client) ?? 0;
    if (mine >= this.caps.maxStreamsPerClient) {
      throw new QueueError(
        'too_many_streams',
        429,
        `too many open event streams from this client: at most ${this.caps.maxStreamsPerClient}; close one first`,
      );
    }
    if (this.total >= this.caps.maxStreams) {
      throw new QueueError(
        'streams_full',
        503,
        `the API serves its most event streams at once (${this.caps.maxStreams}); retry shortly`,
      );
    }
    this.total += 1;
    this.perClient.set(client, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    };
  }
}
