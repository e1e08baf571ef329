// The API token, kept for the browser tab's session only (sessionStorage), and whether the
// API has asked for one. Any request that gets a 401 flips `needed`, which shows the token form.
import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'jobqueue.apiToken';

interface TokenState {
  token: string | null;
  needed: boolean;
  rejected: boolean;
}

let state: TokenState = {
  token: sessionStorage.getItem(STORAGE_KEY),
  needed: false,
  rejected: false,
};
const listeners = new Set<() => void>();

function setState(next: TokenState): void {
  state = next;
  listeners.forEach((listener) => listener());
}

export function currentToken(): string | null {
  return state.token;
}

/** Called on a 401: ask for a token, saying it was wrong if the one we sent was refused. */
export function tokenRequired(): void {
  if (state.needed) return;
  setState({ ...state, needed: true, rejected: state.token !== null });
}

export function saveToken(token: string): void {
  sessionStorage.setItem(STORAGE_KEY, token);
  setState({ token, needed: false, rejected: false });
}

/** Reread sessionStorage; tests use it to start from a clean tab. */
export function resetTokenStore(): void {
  state = { token: sessionStorage.getItem(STORAGE_KEY), needed: false, rejected: false };
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useTokenState(): TokenState {
  return useSyncExternalStore(subscribe, () => state);
}
