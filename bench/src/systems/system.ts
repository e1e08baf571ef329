// What the benchmarks need from a queue system, so ours, BullMQ and bee-queue run through the same
// code.

/** What a drain needs: jobs in, a worker process, a count of completions. */
export interface DrainedSystem {
  /** Shown in the table. */
  readonly label: string;
  /** The built worker process script. */
  readonly workerScript: string;
  /** Submits n no-op jobs (of mixed priority, where the system has priorities), in batches. */
  submitMixed(n: number): Promise<void>;
  /** Jobs completed so far (read from Redis). */
  completed(): Promise<number>;
  close(): Promise<void>;
}

export interface QueueSystem extends DrainedSystem {
  /** Submits one no-op job; resolves with its id. */
  submitOne(priority: number): Promise<string>;
  /** Starts reading the system's event stream: calls back when a job is picked or completed. */
  watch(onPicked: (id: string) => void, onCompleted: (id: string) => void): Promise<void>;
}
