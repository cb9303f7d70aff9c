/**
 * The four output formats of a single item (`read`, `poll-item`), byte for byte those of
 * k2v-cli: `--b64` (token line, then one base64 value per line, an empty line for a tombstone),
 * `--raw` (the one value's bytes; exit 1 on concurrent values, 2 on a tombstone), `--human`
 * (the default) and `--json` (pretty JSON, no newline at the end, as serde_json writes it).
 */
import { EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { asUtf8, toBase64, type CausalValue, type CliValue } from './causal-value.js';
import { prettyJson } from './pretty-json.js';

export type ReadFormat = 'b64' | 'raw' | 'human' | 'json';

export interface Rendered {
  readonly stdout: Uint8Array | string;
  readonly stderr?: string;
  readonly exitCode: number;
}

/** The JSON of one item as k2v-cli serialises it (keys in sorted order). */
export const itemJson = (v: CausalValue): { causality: string; value: (string | null)[] } => ({
  causality: v.causality,
  value: v.values.map(wireValue),
});

export const wireValue = (v: CliValue): string | null => (v === null ? null : toBase64(v));

export function renderRead(v: CausalValue, format: ReadFormat): Rendered {
  switch (format) {
    case 'json':
      return { stdout: prettyJson(itemJson(v)), exitCode: 0 };
    case 'raw':
      return renderRaw(v);
    case 'b64':
      return { stdout: [v.causality, ...v.values.map((x) => wireValue(x) ?? '')].map((l) => l + '\n').join(''), exitCode: 0 };
    case 'human':
      return { stdout: `causality: ${v.causality}\nvalues:\n` + v.values.map(humanValue).join(''), exitCode: 0 };
  }
}

function renderRaw(v: CausalValue): Rendered {
  const [only] = v.values;
  if (v.values.length !== 1 || only === undefined) {
    return {
      stdout: '',
      stderr: `Raw mode can only read non-concurrent values, found ${v.values.length} values, expected 1\n`,
      exitCode: EXIT_FAILURE,
    };
  }
  if (only === null) return { stdout: '', stderr: 'Expected value, found tombstone\n', exitCode: EXIT_USAGE };
  return { stdout: only, exitCode: 0 };
}

function humanValue(v: CliValue): string {
  if (v === null) return '  tombstone\n';
  const text = asUtf8(v);
  return text === undefined ? `  base64: ${toBase64(v)}\n` : `  utf-8: ${text}\n`;
}

/** What a poll that timed out without a change prints. */
export const pollTimedOut = (json: boolean): string => (json ? 'null\n' : "Delay expired and value didn't change.\n");
