// Submissions that arrive together go to Redis together: the submit calls made during one turn of
// the event loop (the requests an API process read in one go) are stored by one submit script
// call instead of one each. The script is atomic, so every caller's jobs are stored all together
// or not at all, and a caller hears back only once Redis has stored its jobs. At idle a batch is
// a single submission and waits for nothing: the turn ends right after it.

export interface SubmitBatcherOptions<Job, Result> {
  /** Most jobs in one script call; a larger submission goes alone. */
  maxJobs: number;
  /** Stores the jobs with one script call; resolves with one result per job, in order. */
  store: (jobs: Job[]) => Promise<Result[]>;
}

interface Group<Job, Result> {
  jobs: Job[];
  resolve: (results: Result[]) => void;
  reject: (error: unknown) => void;
}

export class SubmitBatcher<Job, Result> {
  private groups: Group<Job, Result>[] = [];
  private jobCount = 0;
  private scheduled = false;

  constructor(private readonly options: SubmitBatcherOptions<Job, Result>) {}

  /** Stores `jobs` (all or none) together with whatever else is submitted in this turn. */
  submit(jobs: Job[]): Promise<Result[]> {
    return new Promise((resolve, reject) => {
      if (this.jobCount + jobs.length > this.options.maxJobs) this.flush();
      this.groups.push({ jobs, resolve, reject });
      this.jobCount += jobs.length;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const groups = this.groups;
    if (groups.length === 0) return;
    this.groups = [];
    this.jobCount = 0;
    this.options.store(groups.flatMap((group) => group.jobs)).then(
      (results) => {
        let offset = 0;
        for (const group of groups) {
          group.resolve(results.slice(offset, offset + group.jobs.length));
          offset += group.jobs.length;
        }
      },
      (error: unknown) => {
        for (const group of groups) group.reject(error);
      },
    );
  }
}
