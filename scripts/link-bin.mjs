// `npx k2v …` looks for `k2v` in node_modules/.bin, where npm links the bins of dependencies but
// not the root package's own: link it there so that `npx k2v server` works right after `npm ci`.
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, 'node_modules', '.bin');
mkdirSync(binDir, { recursive: true });
const link = join(binDir, 'k2v');
rmSync(link, { force: true });
symlinkSync(join('..', '..', 'bin', 'k2v.js'), link);
chmodSync(join(root, 'bin', 'k2v.js'), 0o755);
