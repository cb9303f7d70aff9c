/**
 * Command-line flags of `npm run bench -- [flags]`.
 */
import { parseArgs } from 'node:util';

export const WORKLOADS = [
  'bare',
  'read-item',
  'insert-item',
  'insert-batch',
  'read-batch',
  'read-index',
  'idle-polls',
  'wakeup',
  'churn',
  'mix',
  'scale',
  'postgres',
] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface Options {
  readonly smoke: boolean;
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly threads: number;
  /** Items in the store for the main workloads. */
  readonly items: number;
  /** Store sizes of the scale table. */
  readonly scalePoints: readonly number[];
  readonly polls: number;
  readonly wakeups: number;
  /** Items in the range watched by the second wake-up run (0: no second run). */
  readonly wideRange: number;
  readonly idleS: number;
  readonly churnS: number;
  readonly churnRate: number;
  readonly mailboxes: number;
  readonly mailboxRows: number;
  readonly loader: 'wrk' | 'node' | 'auto';
  readonly etcd: boolean;
  readonly only: ReadonlySet<WorkloadName>;
  readonly profileDir: string | undefined;
  readonly out: string | undefined;
  /** The results file ReadItem and InsertItem are shown beside (default: the last one). */
  readonly baseline: string | undefined;
  readonly dataRoot: string | undefined;
  readonly keep: boolean;
  /** K2V server processes (`k2v server --workers N`). */
  readonly workers: number;
  /** Extra node flags of the K2V server process (e.g. --trace-gc). */
  readonly serverFlags: readonly string[];
}

const HELP = `npm run bench -- [flags]

  --smoke                 a few seconds of everything, tiny data (CI); no thresholds
  --connections <n>       connections of the load generator (default 32)
  --duration <s>          measured seconds per throughput run (default 10)
  --warmup <s>            warm-up seconds before each run (default 2)
  --threads <n>           wrk threads (default 1: the loader must stay cheap on 2 cores)
  --items <n>             items in the store for the main workloads (default 1000000)
  --scale-10m             add a 10 M-item point to the scale table (loads 9 M more items)
  --polls <n>             idle long polls held open (default 10000)
  --wakeups <n>           wake-ups measured commit -> response (default 1000)
  --wide-range <n>        items in the range PollRange watches in a second wake-up run (default 100000; 0: none)
  --idle <s>              seconds over which idle CPU is measured (default 5)
  --churn-seconds <s>     duration of the abandoned-poll churn (default 60)
  --churn-rate <n>        polls aborted and re-issued per second (default 1000)
  --mailboxes <n>         mailboxes of the Aerogramme-like mix (default 10)
  --mailbox-rows <n>      rows per log and message partition (default 10000)
  --loader wrk|node       load generator (default: wrk when installed, else node)
  --no-etcd               do not start etcd even when installed
  --no-postgres           skip the PostgreSQL part (one and two K2V servers on a throwaway cluster, pgbench beside them)
  --only <a,b,...>        run only these: ${WORKLOADS.join(', ')}
  --profile               run the K2V server under --cpu-prof (profiles in bench/results/profiles/)
  --out <file>            results file (default bench/results/<date>.md)
  --baseline <file>       results file to show ReadItem and InsertItem beside (default: the last in bench/results/)
  --data-root <dir>       where temporary data dirs go (default the OS temp dir; must be a real disk)
  --keep                  keep the temporary data dirs
  --workers <n>           K2V server processes (k2v server --workers; default 1); with n > 1
                          the poll and wake-up figures are worker 0's only
  --server-flags="<flags>" extra node flags for the K2V server process, split on spaces
                          (e.g. "--trace-gc" or "--max-semi-space-size=8"); its output goes to the bench's
`;

function num(v: string | undefined, dflt: number, what: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${what} must be a non-negative number`);
  return n;
}

export function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      connections: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      threads: { type: 'string' },
      items: { type: 'string' },
      'scale-10m': { type: 'boolean', default: false },
      polls: { type: 'string' },
      wakeups: { type: 'string' },
      'wide-range': { type: 'string' },
      idle: { type: 'string' },
      'churn-seconds': { type: 'string' },
      'churn-rate': { type: 'string' },
      mailboxes: { type: 'string' },
      'mailbox-rows': { type: 'string' },
      loader: { type: 'string', default: 'auto' },
      'no-etcd': { type: 'boolean', default: false },
      'no-postgres': { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
      baseline: { type: 'string' },
      'data-root': { type: 'string' },
      keep: { type: 'boolean', default: false },
      workers: { type: 'string' },
      'server-flags': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const smoke = values.smoke === true;
  const items = num(values.items, smoke ? 2_000 : 1_000_000, '--items');
  const small = smoke ? 1_000 : Math.min(10_000, items);
  const scalePoints = [...new Set([small, items, ...(values['scale-10m'] ? [10_000_000] : [])])].sort((a, b) => a - b);
  const only = new Set<WorkloadName>();
  for (const w of (values.only ?? WORKLOADS.join(',')).split(',')) {
    const name = w.trim() as WorkloadName;
    if (!WORKLOADS.includes(name)) throw new Error(`--only: unknown workload ${w} (known: ${WORKLOADS.join(', ')})`);
    only.add(name);
  }
  if (values['no-postgres']) only.delete('postgres');
  const loader = values.loader;
  if (loader !== 'wrk' && loader !== 'node' && loader !== 'auto') throw new Error('--loader must be wrk or node');
  return {
    smoke,
    connections: num(values.connections, 32, '--connections'),
    durationS: num(values.duration, smoke ? 1 : 10, '--duration'),
    warmupS: num(values.warmup, smoke ? 0.5 : 2, '--warmup'),
    threads: num(values.threads, 1, '--threads'),
    items,
    scalePoints,
    polls: num(values.polls, smoke ? 200 : 10_000, '--polls'),
    wakeups: num(values.wakeups, smoke ? 50 : 1_000, '--wakeups'),
    wideRange: num(values['wide-range'], smoke ? 1_000 : 100_000, '--wide-range'),
    idleS: num(values.idle, smoke ? 1 : 5, '--idle'),
    churnS: num(values['churn-seconds'], smoke ? 2 : 60, '--churn-seconds'),
    churnRate: num(values['churn-rate'], smoke ? 100 : 1_000, '--churn-rate'),
    mailboxes: num(values.mailboxes, smoke ? 2 : 10, '--mailboxes'),
    mailboxRows: num(values['mailbox-rows'], smoke ? 500 : 10_000, '--mailbox-rows'),
    loader,
    etcd: !values['no-etcd'],
    only,
    profileDir: values.profile ? 'profiles' : undefined,
    out: values.out,
    baseline: values.baseline,
    dataRoot: values['data-root'],
    keep: values.keep === true,
    workers: num(values.workers, 1, '--workers'),
    serverFlags: (values['server-flags'] ?? '').split(' ').filter((f) => f !== ''),
  };
}
