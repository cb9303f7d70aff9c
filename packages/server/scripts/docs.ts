/**
 * `npm run docs`: rewrites the README's configuration reference from the settings table.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withSettingsReference } from '../src/config/settings-doc.js';

// dist/scripts/ -> the repository root
const readme = fileURLToPath(new URL('../../../../README.md', import.meta.url));
const before = fs.readFileSync(readme, 'utf8');
const after = withSettingsReference(before);
if (after !== before) fs.writeFileSync(readme, after);
process.stdout.write(after === before ? 'README.md: configuration reference up to date\n' : 'README.md: configuration reference rewritten\n');
