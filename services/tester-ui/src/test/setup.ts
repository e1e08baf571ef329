// Adds DOM matchers (toBeInTheDocument, toHaveAccessibleName...) and unmounts between tests.
import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { resetTokenStore } from '../auth/tokenStore';

afterEach(() => {
  cleanup();
  sessionStorage.clear();
  resetTokenStore();
});
