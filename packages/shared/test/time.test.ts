import { microsToIso } from '../src';

describe('microsToIso', () => {
  it('keeps all six fraction digits of Redis TIME', () => {
    expect(microsToIso('1748731560123456')).toBe('2025-05-31T22:46:00.123456Z');
    expect(microsToIso('1748731560000001')).toBe('2025-05-31T22:46:00.000001Z');
  });
  it('is null for a stamp past what a Date holds, instead of failing the record', () => {
    expect(microsToIso('8860166614009356288')).toBeNull();
  });
  it('is null for a time not reached', () => {
    expect(microsToIso(undefined)).toBeNull();
    expect(microsToIso('')).toBeNull();
  });
});
