/**
 * The types of the settings' values: how each is read from a flag or an environment variable
 * (text), from the TOML file (already typed by the TOML parser), and printed back as TOML.
 * Parsers throw `BadValue` with the reason; the loader names the setting.
 */
import { bindAddressProblem } from './bind-address.js';
import { BadValue } from './config-error.js';

export interface ValueType<T> {
  /** What the value looks like, for the reference table. */
  readonly doc: string;
  fromText(text: string): T;
  fromToml(value: unknown): T;
  /** A TOML literal (`--check-config`). */
  toToml(value: T): string;
  /** As a person writes it on the command line (`--help`, the README). */
  show(value: T): string;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'a table';
  return `${typeof value} ${String(value)}`;
}

/** A value written as a string everywhere (quoted in TOML), checked by `parse`. */
function stringValue<T extends string>(doc: string, parse: (s: string) => T): ValueType<T> {
  return {
    doc,
    fromText: parse,
    fromToml(v) {
      if (typeof v !== 'string') throw new BadValue(`expected a string, got ${describe(v)}`);
      return parse(v);
    },
    toToml: (s) => JSON.stringify(s),
    show: (s) => s,
  };
}

export function text(doc: string, check?: (s: string) => string | undefined): ValueType<string> {
  return stringValue(doc, (s) => {
    if (s === '') throw new BadValue('must not be empty');
    const problem = check?.(s);
    if (problem !== undefined) throw new BadValue(problem);
    return s;
  });
}

export const bindAddress = text('`HOST:PORT`, or an absolute path for a Unix socket', bindAddressProblem);

export function wholeNumber(min: number, unit = ''): ValueType<number> {
  const check = (n: number): number => {
    if (n < min) throw new BadValue(`must be at least ${min}${unit}`);
    return n;
  };
  return {
    doc: `whole number${unit === '' ? '' : ` (${unit.trim()})`}, at least ${min}`,
    fromText(s) {
      const n = Number(s);
      if (!/^\d+$/.test(s) || !Number.isSafeInteger(n)) throw new BadValue(`expected a whole number, got ${JSON.stringify(s)}`);
      return check(n);
    },
    fromToml(v) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new BadValue(`expected a whole number, got ${describe(v)}`);
      return check(v);
    },
    toToml: (n) => String(n),
    show: (n) => String(n),
  };
}

/** A number of processes, or `auto`: as many as the machine has CPUs (resolved when loaded). */
export function processCount(cpus: () => number): ValueType<number> {
  const whole = wholeNumber(1);
  const auto = (s: unknown): number | undefined => (s === 'auto' ? Math.max(1, cpus()) : undefined);
  return {
    doc: `${whole.doc}, or \`auto\` (one per CPU)`,
    fromText: (s) => auto(s) ?? whole.fromText(s),
    fromToml: (v) => auto(v) ?? whole.fromToml(v),
    toToml: whole.toToml,
    show: whole.show,
  };
}

export function oneOf<const T extends string>(values: readonly T[], refuse: Readonly<Record<string, string>> = {}): ValueType<T> {
  return stringValue(values.map((v) => `\`${v}\``).join(', '), (s): T => {
    if ((values as readonly string[]).includes(s)) return s as T;
    const why = refuse[s];
    throw new BadValue(why ?? `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(s)}`);
  });
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export const boolean: ValueType<boolean> = {
  doc: '`true` or `false`',
  fromText(s) {
    const t = s.toLowerCase();
    if (TRUE.has(t)) return true;
    if (FALSE.has(t)) return false;
    throw new BadValue(`expected true or false, got ${JSON.stringify(s)}`);
  },
  fromToml(v) {
    if (typeof v !== 'boolean') throw new BadValue(`expected true or false, got ${describe(v)}`);
    return v;
  },
  toToml: (b) => String(b),
  show: (b) => String(b),
};

// Units as Garage's capacities (the bytesize crate): K = 1000, KiB = 1024, and so on.
const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1e3, kb: 1e3, ki: 2 ** 10, kib: 2 ** 10,
  m: 1e6, mb: 1e6, mi: 2 ** 20, mib: 2 ** 20,
  g: 1e9, gb: 1e9, gi: 2 ** 30, gib: 2 ** 30,
  t: 1e12, tb: 1e12, ti: 2 ** 40, tib: 2 ** 40,
};

function withUnit(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]+)$/.exec(s.trim());
  const unit = m === null ? undefined : UNITS[m[2]!.toLowerCase()];
  if (m === null || unit === undefined) return undefined;
  return Math.floor(Number(m[1]) * unit);
}

/**
 * A size in bytes. A plain number counts `textUnit` bytes on the command line (`--map-size` has
 * always been in MiB) and single bytes in the file (as Garage's `lmdb_map_size`); a number with a
 * unit (`64GiB`, `1T`) means the same everywhere.
 */
export function byteSize(textUnit: number, min: number): ValueType<number> {
  const check = (n: number): number => {
    if (!Number.isSafeInteger(n)) throw new BadValue('is too large');
    if (n < min) throw new BadValue(`must be at least ${formatBytes(min)}`);
    return n;
  };
  const fromString = (s: string, plainUnit: number): number => {
    if (/^\d+$/.test(s)) return check(Number(s) * plainUnit);
    const n = withUnit(s);
    if (n === undefined) throw new BadValue(`expected a size such as 65536 or "64GiB", got ${JSON.stringify(s)}`);
    return check(n);
  };
  return {
    doc: 'size: a number with a unit (`64GiB`, `1T`); a plain number is MiB on the command line, bytes in the file (as Garage)',
    fromText: (s) => fromString(s, textUnit),
    fromToml(v) {
      if (typeof v === 'number' && Number.isSafeInteger(v)) return check(v);
      if (typeof v === 'string') return fromString(v, 1);
      throw new BadValue(`expected a size in bytes or a string such as "64GiB", got ${describe(v)}`);
    },
    toToml: (n) => JSON.stringify(formatBytes(n)),
    show: formatBytes,
  };
}

export function formatBytes(n: number): string {
  for (const [unit, size] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  return `${n}B`;
}

/** Why `s` is not a browser origin (`scheme://host[:port]`, http or https, as `URL.origin` writes it). */
function originProblem(s: string): string | undefined {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return `${JSON.stringify(s)} is not an origin (expected scheme://host[:port])`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${JSON.stringify(s)}: an origin is http:// or https://`;
  if (url.origin !== s) return `${JSON.stringify(s)} is not an origin as a browser sends it (expected ${JSON.stringify(url.origin)}: no path, no trailing slash, no default port)`;
  return undefined;
}

/** Browser origins: a comma-separated list on the command line, an array of strings in the file. */
export const originList: ValueType<readonly string[]> = {
  doc: 'origins (`https://host[:port]`), comma-separated; an array of strings in the file',
  fromText(s) {
    return checkOrigins(s.split(',').map((o) => o.trim()).filter((o) => o !== ''));
  },
  fromToml(v) {
    if (!Array.isArray(v) || !v.every((o) => typeof o === 'string')) throw new BadValue(`expected an array of strings, got ${describe(v)}`);
    return checkOrigins(v as string[]);
  },
  toToml: (list) => `[${list.map((o) => JSON.stringify(o)).join(', ')}]`,
  show: (list) => list.join(','),
};

function checkOrigins(list: readonly string[]): readonly string[] {
  for (const o of list) {
    const problem = originProblem(o);
    if (problem !== undefined) throw new BadValue(problem);
  }
  return list;
}
