/**
 * The drawing pad: dark ink on a white canvas through pointer events, so mouse, pen and touch all draw
 * (touch-action: none in the CSS keeps the page from scrolling under a finger). Coalesced events give
 * smooth strokes at high pointer rates; pen pressure widens the line a little.
 */
export interface PadOptions {
  /** Line width in canvas pixels (default: 1/14 of the canvas width, ~ an MNIST stroke after scaling). */
  lineWidth?: number;
  /** Called after every change (stroke segments and clear). */
  onChange: () => void;
}

export class DrawPad {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly lineWidth: number;
  private readonly onChange: () => void;
  private active: number | null = null;
  private last: { x: number; y: number } | null = null;
  private inked = false;

  constructor(canvas: HTMLCanvasElement, opts: PadOptions) {
    this.canvas = canvas;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx === null) throw new Error('canvas 2d context unavailable');
    this.ctx = ctx;
    this.lineWidth = opts.lineWidth ?? canvas.width / 14;
    this.onChange = opts.onChange;
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    this.clear(false);
  }

  /** Whether anything has been drawn since the last clear. */
  get hasInk(): boolean {
    return this.inked;
  }

  clear(notify = true): void {
    this.ctx.fillStyle = '#fff';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.inked = false;
    if (notify) this.onChange();
  }

  /** Pixels for the MNIST recipe (RGBA, opaque white background). */
  imageData(): ImageData {
    return this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Draws strokes given in unit coordinates (0..1), e.g. the sample digit shown at start-up. */
  strokes(paths: readonly (readonly [number, number][])[]): void {
    const { width, height } = this.canvas;
    for (const path of paths) {
      this.last = null;
      for (const [x, y] of path) this.segment(x * width, y * height, 1);
    }
    this.last = null;
    this.onChange();
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  private down(e: PointerEvent): void {
    if (this.active !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    this.active = e.pointerId;
    try {
      // Strokes that leave the canvas keep drawing until the pointer is released.
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // not an active pointer (synthetic events): draw without capture
    }
    this.last = null;
    const p = this.point(e);
    this.segment(p.x, p.y, pressure(e));
    this.onChange();
  }

  private move(e: PointerEvent): void {
    if (e.pointerId !== this.active) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const c of events.length > 0 ? events : [e]) {
      const p = this.point(c);
      this.segment(p.x, p.y, pressure(c));
    }
    this.onChange();
  }

  private up(e: PointerEvent): void {
    if (e.pointerId !== this.active) return;
    this.active = null;
    this.last = null;
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.onChange();
  }

  private segment(x: number, y: number, p: number): void {
    const ctx = this.ctx;
    ctx.strokeStyle = '#000';
    ctx.fillStyle = '#000';
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = this.lineWidth * p;
    if (this.last === null) {
      ctx.beginPath();
      ctx.arc(x, y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.beginPath();
      ctx.moveTo(this.last.x, this.last.y);
      ctx.lineTo(x, y);
      ctx.stroke();
    }
    this.last = { x, y };
    this.inked = true;
  }
}

// Mice report 0.5 while a button is down; pens report real pressure. Map to a width factor in 0.75..1.25.
function pressure(e: PointerEvent): number {
  if (e.pointerType !== 'pen' || !(e.pressure > 0)) return 1;
  return 0.75 + 0.5 * Math.min(1, e.pressure);
}
