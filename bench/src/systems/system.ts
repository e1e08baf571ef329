// What the benchmarks need from a queue system, so ours and BullMQ run through the same code.

export interface QueueSystem {
  /** Shown in the table. */
  readonly label: string;
  /** The built worker process script. */
  readonly workerScript: string;
  /** Submits n no-op jobs of mixed priority, in batches. */
  submitMixed(n: number): Promise<void>;
  /** Jobs completed so far (read from Redis). */
  completed(): Promise<number>;
  /** Submits one no-op job; resolves with its id. */
  submitOne(priority: number): Promise<string>;
  /** Starts reading the system's event stream: calls back when a job is picked or completed. */
  watch(onPicked: (id: string) => void, onCompleted: (id: string) => void): Promise<void>;
  close(): Promise<void>;
}
