/**
 * The README's configuration reference, made from the settings table (`npm run docs` writes it;
 * a test fails when the README's copy differs, so the two cannot drift apart).
 */
import { tomlKeyName } from './config-file.js';
import { IGNORED_GARAGE_KEYS, IGNORED_GARAGE_SECTION_KEYS, IGNORED_GARAGE_SECTIONS } from './garage-keys.js';
import { OWN_SECTION, row, SETTING_IDS } from './settings.js';

export const BEGIN_MARKER = '<!-- settings:begin (generated from packages/server/src/config/settings.ts by `npm run docs`) -->';
export const END_MARKER = '<!-- settings:end -->';

const cell = (s: string) => s.replaceAll('|', '\\|');
const code = (s: string | undefined) => (s === undefined ? '' : `\`${s}\``);

export function renderSettingsReference(): string {
  const lines = [
    '| TOML key | environment | flag | value | default | meaning |',
    '|---|---|---|---|---|---|',
  ];
  for (const id of SETTING_IDS) {
    const r = row(id);
    const key = r.toml === undefined ? '' : `${code(tomlKeyName(r.toml))}${r.garage ? ' (Garage)' : ''}`;
    const flag = code(r.flag);
    const dflt = r.default === undefined ? '' : code(r.type.show(r.default));
    const meaning = `${r.meaning}${r.secret ? ' **Secret**: masked by `--check-config`, never logged.' : ''}`;
    lines.push(`| ${[key, code(r.env), flag, r.type.doc, dflt, meaning].map(cell).join(' | ')} |`);
  }
  const ignored = [
    ...[...IGNORED_GARAGE_KEYS].map(code),
    ...Object.entries(IGNORED_GARAGE_SECTION_KEYS).flatMap(([section, keys]) => [...keys].map((k) => code(`[${section}] ${k}`))),
    ...[...IGNORED_GARAGE_SECTIONS].map((s) => code(`[${s}]`)),
  ];
  lines.push(
    '',
    `Garage keys that do not apply to a K2V server are accepted and listed once in the log as ignored: ${ignored.join(', ')}. ` +
      `Keys that are neither Garage's nor K2V's are logged as unknown and ignored, except in \`[${OWN_SECTION}]\`, where an unknown key is an error.`,
  );
  return lines.join('\n');
}

/** `readme` with the text between the markers replaced by the generated reference. */
export function withSettingsReference(readme: string): string {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error('README.md has no settings markers');
  return `${readme.slice(0, begin + BEGIN_MARKER.length)}\n${renderSettingsReference()}\n${readme.slice(end)}`;
}
