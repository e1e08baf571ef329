// A job's abort signal is made only when its handler reads it, and an abort that came first is
// not lost: the signal made afterwards is already aborted, with the same reason.

import { LazyAbort } from '../src/lazy-abort';

test('a signal read after the abort is already aborted with its reason', () => {
  const abort = new LazyAbort();
  const reason = new Error('lease lost');
  abort.abort(reason);
  expect(abort.aborted).toBe(true);
  expect(abort.signal.aborted).toBe(true);
  expect(abort.signal.reason).toBe(reason);
});

test('a signal read before the abort fires its abort event once, with the first reason', () => {
  const abort = new LazyAbort();
  const signal = abort.signal;
  const seen: unknown[] = [];
  signal.addEventListener('abort', () => seen.push(signal.reason));
  abort.abort('first');
  abort.abort('second');
  expect(seen).toEqual(['first']);
  expect(abort.reason).toBe('first');
});

test('a job that is never aborted reads as not aborted', () => {
  const abort = new LazyAbort();
  expect(abort.aborted).toBe(false);
  expect(abort.signal.aborted).toBe(false);
});
