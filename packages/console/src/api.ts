/**
 * The calls the console makes, through k2v-client only: the admin API (`k2v-client/admin`) with
 * the admin token, and the K2V API signed with an access key. Signed in with the admin token,
 * data calls use a key that has access to the bucket (its secret read with GetKeyInfo
 * showSecretKey, kept in memory): the console can do what the admin could do by hand, no more.
 */
import { K2vClient } from 'k2v-client';
import { AdminClient, type BucketInfo } from 'k2v-client/admin';
import type { Session } from './session.js';

export interface DataAccess {
  readonly client: K2vClient;
  /** The access key the calls are signed with. */
  readonly accessKeyId: string;
  readonly keyName: string | undefined;
  readonly canWrite: boolean;
}

export class Api {
  readonly admin: AdminClient | undefined;
  private readonly data = new Map<string, Promise<DataAccess>>();

  constructor(readonly session: Session) {
    this.admin = session.kind === 'admin' ? new AdminClient({ endpoint: new URL('/', location.href), token: session.token }) : undefined;
  }

  /** A client of `bucket` (a bucket id when signed in as admin, else the name the user gave). */
  access(bucket: string): Promise<DataAccess> {
    let p = this.data.get(bucket);
    if (p === undefined) {
      p = this.open(bucket);
      p.catch(() => this.data.delete(bucket));
      this.data.set(bucket, p);
    }
    return p;
  }

  /** Forget cached data credentials (after a permission change). */
  reset(): void {
    this.data.clear();
  }

  private async open(bucket: string): Promise<DataAccess> {
    const s = this.session;
    const base = { endpoint: s.k2vEndpoint, region: s.region, bucket };
    if (s.kind === 'key') {
      return {
        client: new K2vClient({ ...base, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }),
        accessKeyId: s.accessKeyId,
        keyName: undefined,
        canWrite: true,
      };
    }
    const info = await this.admin!.getBucketInfo({ id: bucket });
    const key = pickKey(info);
    if (key === undefined) throw new Error('No access key may read this bucket: allow one in Permissions, then come back.');
    const full = await this.admin!.getKeyInfo({ id: key.accessKeyId }, true);
    if (full.secretAccessKey === undefined) throw new Error(`the admin API did not return the secret of ${key.accessKeyId}`);
    return {
      client: new K2vClient({ ...base, accessKeyId: key.accessKeyId, secretAccessKey: full.secretAccessKey }),
      accessKeyId: key.accessKeyId,
      keyName: key.name,
      canWrite: key.permissions.write,
    };
  }
}

/** The key to act with: one that can read and write, else one that can read. */
function pickKey(info: BucketInfo): BucketInfo['keys'][number] | undefined {
  const readers = info.keys.filter((k) => k.permissions.read);
  return readers.find((k) => k.permissions.write) ?? readers[0];
}

/** A failure as one line: the API's code and message. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
