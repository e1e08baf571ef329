// Follows GET /events (Server-Sent Events) for as long as the page is open. fetch-based SSE
// rather than EventSource because EventSource cannot send the Authorization header, and
// because it gives up for good on a non-200 answer (the proxy's 502 while the API restarts).
// Every reconnect sends Last-Event-ID, so the API replays what happened while we were away.
import { fetchEventSource, type EventSourceMessage } from '@microsoft/fetch-event-source';
import { useEffect, useRef, useState } from 'react';
import { API_BASE, authHeaders } from '../api/client';
import type { JobEvent } from '../api/types';
import { tokenRequired, useTokenState } from '../auth/tokenStore';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

const RECONNECT_MS = 2000;
// fetch-event-source keeps the id under this exact (lower-case) header name; using another
// spelling would send the header twice.
const LAST_EVENT_ID = 'last-event-id';

class StreamInterrupted extends Error {}

function toJobEvent(message: EventSourceMessage): JobEvent | null {
  if (!message.data) return null; // keep-alive comments arrive as empty messages
  try {
    const data = JSON.parse(message.data) as Partial<JobEvent>;
    return { ...data, id: data.id ?? message.id, type: data.type ?? message.event } as JobEvent;
  } catch {
    return null;
  }
}

export function useEventStream(onEvent: (event: JobEvent) => void): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const { token } = useTokenState();
  const lastEventId = useRef<string | null>(null);
  const onEventRef = useRef(onEvent);
  useEffect(() => {
    onEventRef.current = onEvent;
  }, [onEvent]);

  // Restarted when the token changes: the headers of a running stream cannot be changed.
  useEffect(() => {
    const controller = new AbortController();
    const resumeFrom: Record<string, string> = lastEventId.current
      ? { [LAST_EVENT_ID]: lastEventId.current }
      : {};
    void fetchEventSource(`${API_BASE}/events`, {
      signal: controller.signal,
      headers: { ...authHeaders(), ...resumeFrom },
      async onopen(response) {
        if (response.status === 401) tokenRequired();
        const type = response.headers.get('content-type') ?? '';
        if (!response.ok || !type.startsWith('text/event-stream')) {
          throw new StreamInterrupted(`events answered ${response.status}`);
        }
        setState('live');
      },
      onmessage(message) {
        if (message.id) lastEventId.current = message.id;
        const event = toJobEvent(message);
        if (event) onEventRef.current(event);
      },
      onclose() {
        // The API ended the stream (it is shutting down): throwing makes the library retry.
        throw new StreamInterrupted('events stream closed');
      },
      onerror() {
        setState('reconnecting');
        return RECONNECT_MS;
      },
    });
    return () => controller.abort();
  }, [token]);

  return state;
}
