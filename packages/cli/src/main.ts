// queuectl's entry point: runs the command line and exits with its code.

import { runProgram } from './program';

// `queuectl logs | head`: the reader left, so there is nobody to tell; stop quietly like other
// Unix tools do, instead of crashing with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

runProgram(process.argv).then(
  (code) => exit(code),
  (error: unknown) => {
    console.error('queuectl: unexpected error:', error);
    exit(1);
  },
);

function exit(code: number): void {
  process.exitCode = code;
  // Every command closes what it opened; this only guards against a handle left behind.
  setTimeout(() => process.exit(code), 1000).unref();
}
