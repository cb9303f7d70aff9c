/** Sign in with the admin token, or with an access key id + secret and the bucket(s) to open. */
import { useState } from 'preact/hooks';
import { K2vClient } from 'k2v-client';
import { AdminClient } from 'k2v-client/admin';
import { describeError } from '../api.js';
import type { ServerInfo, Session } from '../session.js';
import { ErrorBox } from '../ui.js';

export function SignIn({ info, onSignIn }: { info: ServerInfo | undefined; onSignIn: (s: Session) => void }) {
  const [mode, setMode] = useState<'admin' | 'key'>('admin');
  const [token, setToken] = useState('');
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [buckets, setBuckets] = useState('');
  const [endpoint, setEndpoint] = useState(info?.k2vEndpoint ?? '');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const region = info?.region ?? 'garage';

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (mode === 'admin') {
        // One call checks the token before it is kept.
        await new AdminClient({ endpoint: new URL('/', location.href), token }).listBuckets();
        onSignIn({ kind: 'admin', token, k2vEndpoint: endpoint, region });
      } else {
        const names = buckets.split(/[\s,]+/).filter((b) => b !== '');
        if (names.length === 0) throw new Error('Name at least one bucket: the K2V API cannot list the buckets of a key.');
        for (const bucket of names) {
          await new K2vClient({ endpoint, region, bucket, accessKeyId: keyId.trim(), secretAccessKey: secret.trim() }).readIndex({ limit: 1 });
        }
        onSignIn({ kind: 'key', accessKeyId: keyId.trim(), secretAccessKey: secret.trim(), buckets: names, k2vEndpoint: endpoint, region });
      }
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <h1>K2V console</h1>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'admin'} onClick={() => setMode('admin')}>
          Admin token
        </button>
        <button type="button" role="tab" aria-selected={mode === 'key'} onClick={() => setMode('key')}>
          Access key
        </button>
      </div>
      <form onSubmit={submit} autocomplete="off">
        {mode === 'admin' ? (
          <label>
            Admin token
            <input name="token" type="password" value={token} onInput={(e) => setToken(e.currentTarget.value)} required autofocus />
          </label>
        ) : (
          <>
            <label>
              Access key id
              <input name="accessKeyId" value={keyId} onInput={(e) => setKeyId(e.currentTarget.value)} required placeholder="GK…" autofocus />
            </label>
            <label>
              Secret access key
              <input name="secretAccessKey" type="password" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} required />
            </label>
            <label>
              Bucket(s), separated by spaces or commas
              <input name="buckets" value={buckets} onInput={(e) => setBuckets(e.currentTarget.value)} required placeholder="default" />
            </label>
          </>
        )}
        <details>
          <summary>K2V endpoint</summary>
          <label>
            K2V API URL
            <input name="endpoint" value={endpoint} onInput={(e) => setEndpoint(e.currentTarget.value)} required />
          </label>
        </details>
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
        <p class="muted small-print">
          Credentials stay in this tab's session storage and go only to this server. The admin token gives everything; an access key gives the data of
          its buckets.
        </p>
      </form>
    </main>
  );
}
