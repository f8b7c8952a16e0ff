import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { loadDigits as loadDigitsWeb } from '../../src/data/digits.js';
import { loadDigits } from '../../src/data/digits.node.js';
import { DataNotFoundError, DownloadError } from '../../src/errors.js';
import { decodeImage } from '../../src/data/decode.js';
import { preprocessImage } from '../../src/data/image.js';
import { ASSETS_DIR, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

describe('loadDigits (the packaged digits.png)', () => {
  let ds: Dataset;
  beforeAll(async () => {
    ds = await loadDigits();
  });

  test('5,000 MNIST-like 28x28 samples, 500 per class, labels by row band', () => {
    expect([ds.count, ds.height, ds.width]).toEqual([5000, 28, 28]);
    expect(Array.from(ds.classCounts())).toEqual(new Array(10).fill(500));
    for (let k = 0; k < 10; k++) {
      expect(ds.label(k * 500)).toBe(k);
      expect(ds.label(k * 500 + 499)).toBe(k);
    }
  });

  test('each sample follows the MNIST recipe: 20 px box, centre of mass at the centre, ink off the border', () => {
    let worstCentre = 0;
    // Centring by mass (not by box) may push a lopsided glyph into the outer 2 px, as in MNIST; rarely.
    let borderMass = 0;
    let totalMass = 0;
    for (let i = 0; i < ds.count; i += 7) {
      const img = ds.image(i);
      let mass = 0;
      let mx = 0;
      let my = 0;
      let x0 = 28;
      let x1 = -1;
      let y0 = 28;
      let y1 = -1;
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++) {
          const v = img[y * 28 + x]!;
          mass += v;
          mx += v * x;
          my += v * y;
          if (v > 0) {
            x0 = Math.min(x0, x);
            x1 = Math.max(x1, x);
            y0 = Math.min(y0, y);
            y1 = Math.max(y1, y);
          }
          if (x < 2 || y < 2 || x > 25 || y > 25) borderMass += v;
          totalMass += v;
        }
      expect(mass, `sample ${i} has ink`).toBeGreaterThan(0);
      expect(Math.max(x1 - x0 + 1, y1 - y0 + 1), `sample ${i} box`).toBeLessThanOrEqual(20);
      expect(Math.max(x1 - x0 + 1, y1 - y0 + 1), `sample ${i} box`).toBeGreaterThanOrEqual(19);
      worstCentre = Math.max(worstCentre, Math.abs(mx / mass - 13.5), Math.abs(my / mass - 13.5));
    }
    expect(worstCentre).toBeLessThanOrEqual(0.55); // integer shift (<= 0.5) plus rounding pixels to uint8
    expect(borderMass / totalMass).toBeLessThan(0.005);
  });

  test('a sample equals preprocessImage of its 20x20 cell in the sheet', async () => {
    const sheet = await decodeImage(readFileSync(join(ASSETS_DIR, 'digits.png')));
    for (const i of [0, 1234, 4999]) {
      const r = Math.floor(i / 100);
      const c = i % 100;
      const cell = new Uint8Array(400);
      for (let y = 0; y < 20; y++) cell.set(sheet.data.subarray((r * 20 + y) * 2000 + c * 20, (r * 20 + y) * 2000 + c * 20 + 20), y * 20);
      const want = preprocessImage({ width: 20, height: 20, data: cell }, { invert: false });
      expect(Array.from(ds.image(i))).toEqual(Array.from(want.data));
    }
  });

  test('a missing sheet is a clear error', async () => {
    await expect(loadDigits({ path: '/nonexistent/digits.png' })).rejects.toThrow(DataNotFoundError);
    await expect(loadDigits({ path: '/nonexistent/digits.png' })).rejects.toThrow(/cannot read \/nonexistent\/digits\.png \(ENOENT\); check the path, or call loadDigits\(\) without one for the packaged copy/);
  });

  describe('the browser path (fetch) in Node', () => {
    let server: TestServer;
    const png = readFileSync(join(ASSETS_DIR, 'digits.png'));
    beforeAll(async () => {
      server = await startServer((req, res) => {
        if (req.url === '/assets/digits.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
        else res.writeHead(404).end();
      });
    });
    afterAll(() => server.close());

    test('fetches the sheet from a URL and gives the same dataset', async () => {
      const web = await loadDigitsWeb({ url: `${server.url}/assets/digits.png` });
      expect(Buffer.compare(Buffer.from(web.images), Buffer.from(ds.images))).toBe(0);
    });
    test('a 404 names the URL and the fix', async () => {
      const err = await loadDigitsWeb({ url: `${server.url}/nope.png` }).catch((e: unknown) => e as DownloadError);
      expect(err).toBeInstanceOf(DownloadError);
      expect((err as DownloadError).message).toMatch(/nope\.png answered HTTP 404; check the URL, or call loadDigits\(\) without one/);
    });
    test('without a URL, the browser loader takes the copy the package carries: the same dataset as the file', async () => {
      const web = await loadDigitsWeb();
      expect(Buffer.compare(Buffer.from(web.images), Buffer.from(ds.images))).toBe(0);
      expect(Buffer.compare(Buffer.from(web.labels), Buffer.from(ds.labels))).toBe(0);
    });
  });
});
