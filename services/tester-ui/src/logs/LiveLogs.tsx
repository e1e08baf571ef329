// "Live worker logs": the queue's events as the worker's log lines, newest at the bottom.
// Pausing freezes the view; what arrives meanwhile is kept and shown on resume.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobEvent } from '../api/types';
import { formatTime } from '../format';
import { useEventStream, type StreamState } from './useEventStream';

/** Enough history to scroll back through a busy minute without slowing the page. */
const MAX_LINES = 1000;

const STATE_LABEL: Record<StreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

function append(lines: JobEvent[], more: JobEvent[]): JobEvent[] {
  const next = lines.concat(more);
  return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
}

export function LiveLogs() {
  const [lines, setLines] = useState<JobEvent[]>([]);
  const [held, setHeld] = useState<JobEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [filter, setFilter] = useState('');
  const logRef = useRef<HTMLDivElement>(null);

  const onEvent = useCallback(
    (event: JobEvent) =>
      paused ? setHeld((h) => append(h, [event])) : setLines((l) => append(l, [event])),
    [paused],
  );
  const streamState = useEventStream(onEvent);

  const togglePause = () => {
    if (paused) {
      setLines((l) => append(l, held));
      setHeld([]);
    }
    setPaused(!paused);
  };

  const needle = filter.trim();
  const shown = needle ? lines.filter((line) => line.job_id?.includes(needle)) : lines;

  useEffect(() => {
    const log = logRef.current;
    if (log && !paused) log.scrollTop = log.scrollHeight;
  }, [shown.length, paused]);

  return (
    <section className="panel" aria-labelledby="logs-heading">
      <h2 id="logs-heading">Live Worker Logs</h2>
      <div className="toolbar">
        <span className={`stream-state stream-${streamState}`} role="status">
          {paused ? 'Paused' : STATE_LABEL[streamState]}
        </span>
        <div className="field grow">
          <label htmlFor="logs-filter">Filter by job ID</label>
          <input
            id="logs-filter"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
            spellCheck={false}
            autoComplete="off"
          />
        </div>
        <button type="button" onClick={togglePause} aria-pressed={paused}>
          {paused ? `Resume${held.length ? ` (${held.length} new)` : ''}` : 'Pause'}
        </button>
        <button type="button" onClick={() => setLines([])}>
          Clear
        </button>
      </div>
      {/* role="log" sits on a wrapper: on the list itself it would hide the list from readers. */}
      <div ref={logRef} className="log" role="log" aria-label="Worker log lines" tabIndex={0}>
        <ol>
          {shown.length === 0 && <li className="muted">No events yet.</li>}
          {shown.map((line) => (
            <li key={line.id} className={`log-line log-${line.type}`}>
              <time dateTime={line.time ?? undefined}>{formatTime(line.time)}</time>{' '}
              <span className="log-type">{line.type}</span>{' '}
              <span className="log-message">{line.message}</span>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
