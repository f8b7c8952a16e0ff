/**
 * Small canvas painters for the demo: feature maps and images (one ImageData per map at its native
 * size, scaled up by CSS with pixelated rendering), bar charts, and the 7x12 RBF bitmaps.
 *
 * Colour convention everywhere: the value range of a layer maps white -> black, like ink on paper,
 * so "more active" reads as "more ink". Signed layers (tanh) use a symmetric range around 0, drawn as
 * mid-grey; unsigned ones (ReLU, probabilities) start at white.
 */

export interface Range {
  lo: number;
  hi: number;
}

/** The display range of a layer's values: [0, max] when none is negative, else [-m, m]. */
export function rangeOf(values: ArrayLike<number>): Range {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return { lo: Math.min(0, min) - 1e-6, hi: Math.max(0, max) + 1e-6 };
  if (min >= 0) return { lo: 0, hi: max };
  const m = Math.max(-min, max);
  return { lo: -m, hi: m };
}

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('canvas 2d context unavailable');
  return ctx;
}

/** Draws h x w values starting at `offset` as grey levels in `range` (lo white, hi black). */
export function drawMap(canvas: HTMLCanvasElement, values: ArrayLike<number>, offset: number, h: number, w: number,
  range: Range): void {
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = context(canvas);
  const img = ctx.createImageData(w, h);
  const scale = 255 / (range.hi - range.lo);
  for (let i = 0; i < h * w; i++) {
    const t = (values[offset + i]! - range.lo) * scale;
    const g = 255 - (t < 0 ? 0 : t > 255 ? 255 : t);
    img.data[4 * i] = g;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = g;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** An 8-bit image with white ink on black (MNIST convention), drawn as dark ink on white. */
export function drawInk(canvas: HTMLCanvasElement, bytes: ArrayLike<number>, offset: number, h: number, w: number): void {
  drawMap(canvas, bytes, offset, h, w, { lo: 0, hi: 255 });
}

export interface BarOptions {
  range?: Range;
  /** Index drawn in the accent colour. */
  highlight?: number;
  color?: string;
  accent?: string;
}

/** A bar per value, from the baseline (0, or the bottom when the range starts at 0). */
export function drawBars(canvas: HTMLCanvasElement, values: ArrayLike<number>, opts: BarOptions = {}): void {
  const ctx = context(canvas);
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const r = opts.range ?? rangeOf(values);
  const n = values.length;
  const bw = W / n;
  const y = (v: number): number => H - ((Math.min(r.hi, Math.max(r.lo, v)) - r.lo) / (r.hi - r.lo)) * H;
  const base = y(Math.max(r.lo, Math.min(r.hi, 0)));
  ctx.fillStyle = '#d9dde3';
  ctx.fillRect(0, Math.round(base), W, 1);
  for (let i = 0; i < n; i++) {
    const top = y(values[i]!);
    ctx.fillStyle = i === opts.highlight ? (opts.accent ?? '#d9480f') : (opts.color ?? '#364fc7');
    ctx.fillRect(i * bw + (bw > 3 ? 0.5 : 0), Math.min(top, base), Math.max(1, bw - (bw > 3 ? 1 : 0)), Math.max(1, Math.abs(base - top)));
  }
}

/** 84 values as the 7x12 picture the RBF compares against its prototypes. */
export function drawBitmap(canvas: HTMLCanvasElement, values: ArrayLike<number>, offset = 0, range: Range = { lo: -1.7159, hi: 1.7159 }): void {
  drawMap(canvas, values, offset, 12, 7, range);
}

/** Creates a canvas of a given native size shown at `scale` x, with crisp pixels. */
export function pixelCanvas(w: number, h: number, scale: number, className = 'px'): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  c.className = className;
  c.style.width = `${w * scale}px`;
  c.style.height = `${h * scale}px`;
  return c;
}
