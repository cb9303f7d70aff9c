/**
 * A `--workers N` server for the e2e harness (K2V_TEST_WORKERS, test/support/worker-cluster.ts)
 * with a whole ServerConfig (the harness's overrides included) given as JSON in K2V_TEST_CONFIG:
 * the primary is server/workers/primary.ts, each worker calls startServer with its worker role,
 * as `k2v server --workers N` does (src/cli/run-server.ts), without the first-run set-up.
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import { pino } from 'pino';
import type { ServerConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/server.js';
import { attachClusterMetrics } from '../../src/server/workers/cluster-metrics.js';
import { ipcPeerLink } from '../../src/server/workers/ipc-peer-link.js';
import { runPrimary } from '../../src/server/workers/primary.js';
import { WORKER_SLOT_ENV } from '../../src/server/workers/worker-messages.js';
import { acquireDirLock } from '../../src/store/lmdb/dir-lock.js';

const configJson = process.env['K2V_TEST_CONFIG'];
const config = JSON.parse(configJson ?? '{}') as ServerConfig;

// `node --test dist/test/` runs every file under test/, this one too: without a config it was not
// started by worker-cluster.ts, and does nothing.
if (configJson === undefined) {
  // nothing to run
} else if (cluster.isPrimary) {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const lock = acquireDirLock(config.dataDir);
  const code = await runPrimary({ workers: config.workers, lock, log: pino({ level: 'info' }).child({ worker: 'primary' }), announce: false });
  process.exit(code);
} else {
  const slot = Number(process.env[WORKER_SLOT_ENV]);
  const log = pino({ level: config.logLevel }).child({ worker: slot });
  const server = await startServer(config, log, {
    worker: { slot, peers: ipcPeerLink(), runsGc: slot === 0 },
    clusterMetrics: (m) => attachClusterMetrics(m),
  });
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    void server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.send?.({ k2v: 'ready' });
}
