/** The shell: sign-in, navigation, the view of the current URL fragment, the confirmation dialog. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api } from './api.js';
import { parse, href, type Route } from './lib/route.js';
import { fetchServerInfo, loadSession, saveSession, type ServerInfo, type Session } from './session.js';
import { ConfirmDialog, ErrorBox, type ConfirmRequest } from './ui.js';
import { Buckets } from './views/buckets.js';
import type { Ctx } from './views/ctx.js';
import { ItemView } from './views/item.js';
import { Items } from './views/items.js';
import { Keys, Permissions } from './views/keys.js';
import { Partitions } from './views/partitions.js';
import { SignIn } from './views/signin.js';
import { Tail } from './views/tail.js';

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [route, setRoute] = useState<Route>(() => parse(location.hash));
  const [info, setInfo] = useState<ServerInfo>();
  const [infoError, setInfoError] = useState<string>();
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  useEffect(() => {
    const onHash = () => setRoute(parse(location.hash));
    addEventListener('hashchange', onHash);
    fetchServerInfo().then(setInfo, (e: unknown) => setInfoError(String(e)));
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const api = useMemo(() => (session === undefined ? undefined : new Api(session)), [session]);
  const signIn = (s: Session | undefined) => {
    saveSession(s);
    setSession(s);
  };

  if (session === undefined || api === undefined) {
    if (info === undefined) return infoError === undefined ? <p class="muted">Loading…</p> : <ErrorBox error={infoError} />;
    return <SignIn info={info} onSignIn={signIn} />;
  }
  const ctx: Ctx = {
    api,
    session,
    confirm: setConfirm,
    addBucket: (name) => {
      if (session.kind !== 'key' || session.buckets.includes(name)) return;
      signIn({ ...session, buckets: [...session.buckets, name] });
    },
  };
  const isAdmin = session.kind === 'admin';
  return (
    <>
      <header class="top">
        <a class="brand" href={href({ view: 'buckets' })}>
          K2V console
        </a>
        <nav aria-label="Main">
          <a href={href({ view: 'buckets' })} aria-current={route.view === 'buckets' ? 'page' : undefined}>
            Buckets
          </a>
          {isAdmin && (
            <a href={href({ view: 'keys' })} aria-current={route.view === 'keys' ? 'page' : undefined}>
              Keys
            </a>
          )}
          {isAdmin && (
            <a href={href({ view: 'permissions' })} aria-current={route.view === 'permissions' ? 'page' : undefined}>
              Permissions
            </a>
          )}
        </nav>
        <span class="who muted">{isAdmin ? 'admin' : session.accessKeyId}</span>
        <button type="button" class="small" onClick={() => signIn(undefined)}>
          Sign out
        </button>
      </header>
      <main>
        <View ctx={ctx} route={route} />
      </main>
      {confirm !== undefined && <ConfirmDialog req={confirm} close={() => setConfirm(undefined)} />}
    </>
  );
}

function View({ ctx, route: r }: { ctx: Ctx; route: Route }) {
  switch (r.view) {
    case 'buckets':
      return <Buckets ctx={ctx} />;
    case 'keys':
      return <Keys ctx={ctx} />;
    case 'permissions':
      return <Permissions ctx={ctx} />;
    case 'partitions':
      return <Partitions ctx={ctx} bucket={r.bucket} prefix={r.prefix} start={r.start} />;
    case 'items':
      return <Items ctx={ctx} bucket={r.bucket} pk={r.pk} prefix={r.prefix} start={r.start} end={r.end} mode={r.mode} />;
    case 'item':
      return <ItemView key={`${r.bucket}/${r.pk}/${r.sk}`} ctx={ctx} bucket={r.bucket} pk={r.pk} sk={r.sk} />;
    case 'tail':
      return <Tail ctx={ctx} bucket={r.bucket} pk={r.pk} prefix={r.prefix} />;
  }
}
