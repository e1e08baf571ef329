// Shown when the API answered 401: asks for the API token once, keeps it for this tab's
// session and refetches everything with it.
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { saveToken, useTokenState } from './tokenStore';

export function TokenForm() {
  const { needed, rejected } = useTokenState();
  const [value, setValue] = useState('');
  const queryClient = useQueryClient();
  if (!needed) return null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) return;
    saveToken(value.trim());
    setValue('');
    void queryClient.invalidateQueries();
  };

  return (
    <section className="panel token-form" aria-labelledby="token-heading">
      <h2 id="token-heading">API token required</h2>
      <p>
        {rejected ? 'The API refused the token. ' : 'This API is protected by a token. '}
        It is kept for this browser tab only.
      </p>
      <form className="inline-form" onSubmit={submit}>
        <div className="field grow">
          <label htmlFor="api-token">API token</label>
          <input
            id="api-token"
            type="password"
            autoComplete="off"
            autoFocus
            value={value}
            onChange={(event) => setValue(event.target.value)}
          />
        </div>
        <button type="submit" className="primary">
          Use token
        </button>
      </form>
    </section>
  );
}
