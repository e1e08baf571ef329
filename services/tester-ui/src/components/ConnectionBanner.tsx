// Says plainly when the API cannot be reached (or cannot reach Redis) instead of letting
// every panel fail on its own. It follows the stats poll, which runs all the time.
import { ApiError, ApiUnreachableError } from '../api/errors';
import { useStats } from '../api/queries';

export function ConnectionBanner() {
  const { error } = useStats();
  let text: string | null = null;
  if (error instanceof ApiUnreachableError) {
    text = `The API is unreachable. ${error.message}. This page keeps trying and recovers by itself.`;
  } else if (error instanceof ApiError && error.status === 503) {
    text = `The API is up but not ready: ${error.message}. This page keeps trying.`;
  }
  return (
    <div role="alert" className={text ? 'banner' : undefined}>
      {text}
    </div>
  );
}
