// Throughput (completed / failed per second) and queue depth over the last minutes.
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { WINDOW_MS, type ThroughputSample } from './useThroughputSamples';

const timeLabel = (at: number) => new Date(at).toLocaleTimeString(undefined, { hour12: false });
const rate = (value: unknown) => (typeof value === 'number' ? value.toFixed(2) : String(value));

export function ThroughputChart({ samples }: { samples: ThroughputSample[] }) {
  const latest = samples.at(-1);
  return (
    <figure className="chart">
      <figcaption>
        Throughput and queue depth, last {WINDOW_MS / 60_000} minutes
        {latest && (
          <span className="muted">
            {' '}
            — now {latest.completedPerSec.toFixed(2)} completed/s, {latest.failedPerSec.toFixed(2)}{' '}
            failed/s, {latest.queued} queued
          </span>
        )}
      </figcaption>
      {samples.length < 2 ? (
        <p className="muted">Collecting samples…</p>
      ) : (
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={samples} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="at" tickFormatter={timeLabel} minTickGap={40} />
            <YAxis yAxisId="rate" allowDecimals />
            <YAxis yAxisId="depth" orientation="right" allowDecimals={false} />
            <Tooltip labelFormatter={(at) => timeLabel(Number(at))} formatter={rate} />
            <Legend />
            <Line
              yAxisId="rate"
              dataKey="completedPerSec"
              name="completed/s"
              stroke="#1a7f37"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              yAxisId="rate"
              dataKey="failedPerSec"
              name="failed/s"
              stroke="#cf222e"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              yAxisId="depth"
              dataKey="queued"
              name="queued"
              stroke="#0969da"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              yAxisId="depth"
              dataKey="scheduled"
              name="scheduled"
              stroke="#9a6700"
              dot={false}
              isAnimationActive={false}
              strokeDasharray="4 2"
            />
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
