/**
 * Tables as Garage's command-line tools print them: one row per line, cells separated by a tab
 * in the input, every column but the last padded to its widest cell plus two spaces. Widths count
 * code points, as Garage's `format_table` counts chars, so scripts that cut columns see the
 * same layout.
 */
export function formatTable(rows: readonly string[]): string {
  const cells = rows.map((row) => row.split('\t'));
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, codePoints(cell));
    });
  }
  let out = '';
  for (const row of cells) {
    const last = row.length - 1;
    row.forEach((cell, i) => {
      out += i === last ? cell : cell + ' '.repeat((widths[i] ?? 0) - codePoints(cell) + 2);
    });
    out += '\n';
  }
  return out;
}

const codePoints = (s: string): number => [...s].length;
