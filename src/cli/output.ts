/**
 * Output rules of every command: human text goes to stdout; with --json stdout carries exactly one JSON
 * object (the last line) and everything else (notices, progress) goes to stderr.
 */
export interface Output {
  readonly json: boolean;
  /** A line for humans: stdout normally, stderr under --json. */
  info(line: string): void;
  /** A notice that is never part of the result (fallbacks, warnings): always stderr. */
  notice(line: string): void;
  /** The command's result: printed as one JSON line under --json; `text` is shown otherwise. */
  result(data: unknown, text?: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    info(line) {
      if (json) process.stderr.write(`${line}\n`);
      else process.stdout.write(`${line}\n`);
    },
    notice(line) {
      process.stderr.write(`${line}\n`);
    },
    result(data, text) {
      if (json) process.stdout.write(`${JSON.stringify(data)}\n`);
      else if (text !== undefined) process.stdout.write(`${text}\n`);
    },
  };
}

/** Pads cells into aligned columns (first column left-aligned, the rest right-aligned). */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

export const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '-');

/** A confusion matrix as a table: rows are true classes, columns predictions. */
export function confusionTable(confusion: ArrayLike<number>, classes: number): string {
  const header = ['true\\pred', ...Array.from({ length: classes }, (_, i) => String(i))];
  const rows = Array.from({ length: classes }, (_, t) => [
    String(t), ...Array.from({ length: classes }, (_, p) => confusion[t * classes + p]!),
  ]);
  return table(header, rows);
}

/** A 28x28 (or any) grayscale image as text art, darkest to brightest. */
export function textArt(pixels: ArrayLike<number>, width: number, height: number, max = 255): string {
  const ramp = ' .:-=+*#%@';
  const lines: string[] = [];
  for (let y = 0; y < height; y++) {
    let s = '';
    for (let x = 0; x < width; x++) {
      const v = Math.max(0, Math.min(1, pixels[y * width + x]! / max));
      const ch = ramp[Math.min(ramp.length - 1, Math.floor(v * ramp.length))]!;
      s += ch + ch;
    }
    lines.push(s.trimEnd());
  }
  return lines.join('\n');
}
