/**
 * The fixed RBF prototypes of the classic model: stylised 7x12 bitmaps of the ten digits, in the
 * spirit of the paper's Fig. 3. '#' is +1, '.' is -1; row-major, 12 rows of 7, so each prototype is
 * the 84-vector F6 is trained to produce for its class. Similar-looking digits (0/O, 1/l, ...) get
 * similar codes, which is the point the paper makes for choosing pictures over random codes.
 */
export const DIGIT_BITMAPS: readonly (readonly string[])[] = [
  [
    '.......',
    '..###..',
    '.##.##.',
    '##...##',
    '##...##',
    '##...##',
    '##...##',
    '##...##',
    '##...##',
    '.##.##.',
    '..###..',
    '.......',
  ],
  [
    '.......',
    '...##..',
    '..###..',
    '.####..',
    '...##..',
    '...##..',
    '...##..',
    '...##..',
    '...##..',
    '...##..',
    '.#####.',
    '.......',
  ],
  [
    '.......',
    '.#####.',
    '##...##',
    '.....##',
    '....##.',
    '...##..',
    '..##...',
    '.##....',
    '##.....',
    '##.....',
    '#######',
    '.......',
  ],
  [
    '.......',
    '#######',
    '.....##',
    '....##.',
    '...##..',
    '..####.',
    '.....##',
    '.....##',
    '.....##',
    '##...##',
    '.#####.',
    '.......',
  ],
  [
    '.......',
    '....##.',
    '...###.',
    '..####.',
    '.##.##.',
    '##..##.',
    '#######',
    '....##.',
    '....##.',
    '....##.',
    '....##.',
    '.......',
  ],
  [
    '.......',
    '#######',
    '##.....',
    '##.....',
    '######.',
    '.....##',
    '.....##',
    '.....##',
    '.....##',
    '##...##',
    '.#####.',
    '.......',
  ],
  [
    '.......',
    '..####.',
    '.##....',
    '##.....',
    '##.....',
    '######.',
    '##...##',
    '##...##',
    '##...##',
    '##...##',
    '.#####.',
    '.......',
  ],
  [
    '.......',
    '#######',
    '.....##',
    '....##.',
    '....##.',
    '...##..',
    '...##..',
    '..##...',
    '..##...',
    '..##...',
    '..##...',
    '.......',
  ],
  [
    '.......',
    '.#####.',
    '##...##',
    '##...##',
    '##...##',
    '.#####.',
    '##...##',
    '##...##',
    '##...##',
    '##...##',
    '.#####.',
    '.......',
  ],
  [
    '.......',
    '.#####.',
    '##...##',
    '##...##',
    '##...##',
    '##...##',
    '.######',
    '.....##',
    '.....##',
    '....##.',
    '.####..',
    '.......',
  ],
];

/** Width of a digit bitmap of the RBF prototypes, in pixels (7). */
export const BITMAP_WIDTH = 7;
/** Height of a digit bitmap of the RBF prototypes, in pixels (12). */
export const BITMAP_HEIGHT = 12;

/** The ten prototypes as one (10, 84) row-major array of +1/-1. */
export function digitPrototypes(): Float32Array {
  const out = new Float32Array(10 * BITMAP_WIDTH * BITMAP_HEIGHT);
  DIGIT_BITMAPS.forEach((rows, d) => {
    rows.forEach((row, r) => {
      for (let c = 0; c < BITMAP_WIDTH; c++) {
        out[d * 84 + r * BITMAP_WIDTH + c] = row[c] === '#' ? 1 : -1;
      }
    });
  });
  return out;
}

/** Renders (10, 84) prototypes as text, the ten digits side by side ('#' for values above 0). */
export function renderPrototypes(protos: ArrayLike<number>, count = 10): string {
  const lines: string[] = [];
  for (let r = 0; r < BITMAP_HEIGHT; r++) {
    const parts: string[] = [];
    for (let d = 0; d < count; d++) {
      let s = '';
      for (let c = 0; c < BITMAP_WIDTH; c++) s += protos[d * 84 + r * BITMAP_WIDTH + c]! > 0 ? '#' : '.';
      parts.push(s);
    }
    lines.push(parts.join(' '));
  }
  return lines.join('\n');
}
