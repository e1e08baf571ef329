import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobStatusPanel } from '../status/JobStatusPanel';
import { json, stubApi } from '../test/fakeApi';
import { JOB_ID, jobRecord } from '../test/records';
import { renderWithApi } from '../test/render';
import { TokenForm } from './TokenForm';

afterEach(() => vi.unstubAllGlobals());

describe('the API token', () => {
  it('is asked for once on a 401, kept for the session and sent as a Bearer header', async () => {
    const calls = stubApi({
      [`GET /jobs/status/${JOB_ID}`]: ({ headers }) =>
        headers.get('Authorization') === 'Bearer s3cret'
          ? json(200, jobRecord())
          : json(401, {
              error: { code: 'unauthorized', message: 'A valid API token is required' },
            }),
    });
    renderWithApi(
      <>
        <TokenForm />
        <JobStatusPanel jobId={JOB_ID} onCheck={() => {}} />
      </>,
    );

    const input = await screen.findByLabelText('API token');
    expect(screen.queryByRole('article')).not.toBeInTheDocument();
    await userEvent.type(input, 's3cret{Enter}');

    expect(await screen.findByRole('article', { name: `Job ${JOB_ID}` })).toBeInTheDocument();
    expect(screen.queryByLabelText('API token')).not.toBeInTheDocument();
    expect(sessionStorage.getItem('jobqueue.apiToken')).toBe('s3cret');
    expect(calls.at(-1)?.headers.get('Authorization')).toBe('Bearer s3cret');
  });
});
