/**
 * One value per setting from its layers, the first that has it winning: flag > environment >
 * file > default. The file is the one named by `--config` or `K2V_CONFIG`.
 */
import { BadValue, ConfigError } from './config-error.js';
import { readConfigFile, type FileSettings } from './config-file.js';
import { row, SETTING_IDS, type SettingId, type SettingValues } from './settings.js';

export type Source = 'flag' | 'env' | 'file' | 'default';
export const LAYERS = ['flag', 'env', 'file'] as const;
export type Layer = (typeof LAYERS)[number];

export interface SettingsInput {
  /** Values given on the command line, as text, by setting id (only those given there). */
  readonly flags: Readonly<Partial<Record<SettingId, string>>>;
  /** The process environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedSettings {
  readonly values: SettingValues;
  /** Where each value came from; undefined: unset. */
  readonly sources: Readonly<Record<SettingId, Source | undefined>>;
  /** What each layer said, for settings read in pairs (a token or its file). */
  readonly layers: Readonly<Record<Layer, Partial<SettingValues>>>;
  readonly file: FileSettings | undefined;
}

/** `--data-dir` out of `--data-dir <dir>` or `-c, --config <file>`. */
export function longFlag(flag: string): string {
  return /--[a-z0-9-]+/.exec(flag)![0];
}

function parseLayer(input: SettingsInput, layer: 'flag' | 'env'): Partial<SettingValues> {
  const out: Partial<Record<SettingId, unknown>> = {};
  for (const id of SETTING_IDS) {
    const r = row(id);
    const name = layer === 'flag' ? r.flag && longFlag(r.flag) : r.env;
    const text = name === undefined ? undefined : layer === 'flag' ? input.flags[id] : input.env[name];
    // An empty environment variable counts as unset (K2V_ADMIN_TOKEN= in a unit file).
    if (text === undefined || (layer === 'env' && text === '')) continue;
    try {
      out[id] = r.type.fromText(text);
    } catch (err) {
      if (err instanceof BadValue) throw new ConfigError(`${layer === 'env' ? `environment variable ${name!}` : name!}: ${err.message}`);
      throw err;
    }
  }
  return out as Partial<SettingValues>;
}

export function resolveSettings(input: SettingsInput): ResolvedSettings {
  const flag = parseLayer(input, 'flag');
  const env = parseLayer(input, 'env');
  const configPath = flag.config ?? env.config;
  const file = configPath === undefined ? undefined : readConfigFile(configPath);
  const layers = { flag, env, file: file?.values ?? {} };
  const values: Partial<Record<SettingId, unknown>> = {};
  const sources: Partial<Record<SettingId, Source | undefined>> = {};
  for (const id of SETTING_IDS) {
    const layer = LAYERS.find((l) => layers[l][id] !== undefined);
    values[id] = layer === undefined ? row(id).default : layers[layer][id];
    sources[id] = layer ?? (row(id).default === undefined ? undefined : 'default');
  }
  return {
    values: values as SettingValues,
    sources: sources as Record<SettingId, Source | undefined>,
    layers,
    file,
  };
}
