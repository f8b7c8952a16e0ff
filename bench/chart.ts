/**
 * Learning curves as a standalone SVG file: d3-scale places the axes and ticks, d3-shape draws the lines;
 * the markup around them (axes, labels, legend) is written here. No DOM needed, so it runs in Node.
 */
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';

export interface Series {
  label: string;
  colour: string;
  dashed?: boolean;
  points: [number, number][];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Horizontal reference lines (e.g. the paper's figures). */
  references?: { label: string; y: number; colour: string }[];
  width?: number;
  height?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number): string => String(+v.toFixed(2));

export function learningCurvesSvg(spec: ChartSpec): string {
  const width = spec.width ?? 840;
  const height = spec.height ?? 440;
  const m = { top: 40, right: 300, bottom: 50, left: 60 };
  const all = spec.series.flatMap((s) => s.points);
  const refs = spec.references ?? [];
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  // Errors after the first pass: the first pass's error sets the scale, so the later passes stay visible.
  const yMax = Math.max(...all.map((p) => p[1]), ...refs.map((r) => r.y), 0.5) * 1.05;
  const x = scaleLinear().domain([1, xMax]).range([m.left, width - m.right]);
  const y = scaleLinear().domain([0, yMax]).nice().range([height - m.bottom, m.top]);
  const path = line<[number, number]>().x((p) => x(p[0])).y((p) => y(p[1]));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    'font-family="Helvetica, Arial, sans-serif" font-size="12">');
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${m.left}" y="22" font-size="13" font-weight="bold">${esc(spec.title)}</text>`);
  for (const t of y.ticks(8)) {
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${num(y(t) + 4)}" text-anchor="end">${y.tickFormat(8)(t)}</text>`);
  }
  for (const t of x.ticks(Math.min(10, xMax)).filter(Number.isInteger)) {
    out.push(`<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${height - m.bottom}" y2="${height - m.bottom + 4}" stroke="#333"/>`);
    out.push(`<text x="${num(x(t))}" y="${height - m.bottom + 17}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" stroke="#333"/>`);
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}" stroke="#333"/>`);
  out.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 12}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  for (const r of refs) {
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${num(y(r.y))}" y2="${num(y(r.y))}" stroke="${r.colour}" ` +
      'stroke-width="1" stroke-dasharray="2 3" opacity="0.8"/>');
  }
  for (const s of spec.series) {
    if (s.points.length === 0) continue;
    out.push(`<path d="${path(s.points) ?? ''}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of s.points) out.push(`<circle cx="${num(x(p[0]))}" cy="${num(y(p[1]))}" r="2.5" fill="${s.colour}"/>`);
  }
  const legend = [
    ...spec.series.map((s) => ({ label: s.label, colour: s.colour, dash: s.dashed ? '6 4' : '', width: 2 })),
    ...refs.map((r) => ({ label: r.label, colour: r.colour, dash: '2 3', width: 1 })),
  ];
  legend.forEach((l, i) => {
    const ly = m.top + 10 + i * 20;
    const lx = width - m.right + 14;
    out.push(`<line x1="${lx}" x2="${lx + 26}" y1="${ly}" y2="${ly}" stroke="${l.colour}" stroke-width="${l.width}"` +
      `${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`);
    out.push(`<text x="${lx + 32}" y="${ly + 4}">${esc(l.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
