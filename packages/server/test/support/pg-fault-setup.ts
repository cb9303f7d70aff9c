/**
 * The set-up of a PostgreSQL fault test file: one throwaway cluster and database for the
 * enclosing `describe`, and every unhandled rejection of the process meanwhile (a driver fault
 * the store lets through shows as one, and would end a server).
 */
import { after, before } from 'node:test';
import { startPgCluster, type PgCluster } from './pg-cluster.js';

export interface PgFaultSetup {
  /** Valid once the `before` hook ran. */
  readonly cluster: PgCluster;
  readonly dbUrl: string;
  /** Unhandled rejections seen since the hook ran (empty it at the start of a test). */
  readonly unhandled: unknown[];
}

/** Call inside a `describe`: registers its `before` and `after` hooks. */
export function pgFaultSetup(): PgFaultSetup {
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown): void => void unhandled.push(err);
  let cluster: PgCluster | undefined;
  let dbUrl: string | undefined;
  before(async () => {
    cluster = await startPgCluster();
    dbUrl = await cluster.createDatabase();
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await cluster?.destroy();
  });
  return {
    get cluster() {
      if (cluster === undefined) throw new Error('pgFaultSetup: used before its before hook ran');
      return cluster;
    },
    get dbUrl() {
      if (dbUrl === undefined) throw new Error('pgFaultSetup: used before its before hook ran');
      return dbUrl;
    },
    unhandled,
  };
}
