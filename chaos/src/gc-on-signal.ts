// Preloaded (node --expose-gc --require) into an api process whose memory a chaos run measures:
// SIGUSR2 runs a full garbage collection, so "back to baseline" compares live memory, not garbage
// the collector has not got round to yet. Nothing else in the process changes.

process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.());
