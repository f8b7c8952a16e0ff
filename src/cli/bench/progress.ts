/**
 * The benchmark's progress line, on stderr: which step runs, how far along (by the steps' estimated
 * seconds) and about how long is left. On a terminal a cli-progress bar kept on the last line (a printed
 * table line clears it and it is drawn again below); otherwise one plain line per step. The estimates come
 * with the steps (run.ts benchSteps); the time left is rescaled by how the steps done so far compared with
 * their estimates, so a loaded machine's slower pace shows.
 */
import { SingleBar } from 'cli-progress';
import type { BenchStep } from './run.js';

export interface BenchProgress {
  /** Step `index` of the list starts (index = the list's length: all done). */
  step(index: number): void;
  /** Prints `line` (to `print`) without tearing the bar. */
  print(line: string): void;
  /** Removes the bar. */
  stop(): void;
}

const fmt = (s: number): string => (s >= 90 ? `${Math.round(s / 60)} min` : `${Math.max(1, Math.round(s))} s`);

/**
 * A progress line over `steps`; `print` is where the tables go (stdout or stderr). `tty`: whether stderr is a
 * terminal (default process.stderr.isTTY).
 */
export function benchProgress(steps: readonly BenchStep[], print: (line: string) => void,
  tty = process.stderr.isTTY === true): BenchProgress {
  const total = steps.reduce((a, s) => a + s.seconds, 0);
  const t0 = performance.now();
  let estimatedDone = 0;
  let current = -1;
  const left = (): number => {
    const elapsed = (performance.now() - t0) / 1000;
    const pace = estimatedDone > 0 ? elapsed / estimatedDone : 1;
    return (total - estimatedDone) * pace;
  };
  const bar = tty
    ? new SingleBar({ format: 'bench [{bar}] {percentage}% | step {index}/{count} {label} | ~{left} left',
      stream: process.stderr, hideCursor: false, clearOnComplete: true, barsize: 24, forceRedraw: true })
    : null;
  if (!tty) process.stderr.write(`bench: ${steps.length} steps, about ${fmt(total)} (estimated; a loaded machine takes longer)\n`);
  bar?.start(total, 0, { index: 0, count: steps.length, label: '', left: fmt(total) });
  return {
    step(index) {
      if (index <= current) return;
      current = index;
      estimatedDone = steps.slice(0, index).reduce((a, st) => a + st.seconds, 0);
      if (index >= steps.length) {
        this.stop();
        return;
      }
      const s = steps[index]!;
      const payload = { index: index + 1, count: steps.length, label: s.label, left: fmt(left()) };
      if (bar !== null) bar.update(estimatedDone, payload);
      else process.stderr.write(`bench: step ${index + 1}/${steps.length} ${s.label} (~${payload.left} left)\n`);
    },
    print(line) {
      if (bar === null) {
        print(line);
        return;
      }
      process.stderr.write('\r\x1b[K');
      print(line);
      bar.render();
    },
    stop() {
      bar?.stop();
    },
  };
}
