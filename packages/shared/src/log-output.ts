// Where log lines go when no person watches: stdout, in batches. A busy worker logs several lines
// per job, and one write() per line would cost more than running the job, so the lines of one
// turn of the event loop are written together at its end. A process that exits writes what is
// left first; only a SIGKILL can lose the lines of the turn it lands in.

const pending: string[] = [];
let scheduled = false;
let hooked = false;
/** Set when stdout broke (the reader went away): logging stops instead of crashing the process. */
let broken = false;

function writePending(): void {
  scheduled = false;
  if (pending.length === 0 || broken) {
    pending.length = 0;
    return;
  }
  const text = pending.join('');
  pending.length = 0;
  process.stdout.write(text);
}

/** The pino destination every logger of this process shares. */
export const batchedStdout = {
  write(line: string): boolean {
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(writePending);
    }
    if (!hooked) {
      hooked = true;
      // Writes to files and pipes are synchronous, so on exit nothing logged is left behind.
      process.once('exit', writePending);
      process.stdout.on('error', () => (broken = true));
    }
    return true;
  },
};
