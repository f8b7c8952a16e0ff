/** The two presets' architecture: parameter counts, connections, Table I, RBF bitmaps, summary. */
import { describe, expect, it } from 'vitest';
import { Conv2D } from '../../src/layers/conv.js';
import { DIGIT_BITMAPS, digitPrototypes, renderPrototypes } from '../../src/models/bitmaps.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { classicModel, modernModel, TABLE_I } from '../../src/models/presets.js';
import { jsBackend } from '../util/backends.js';

const paramLayers = (m: ReturnType<typeof classicModel>): [string, number][] =>
  m.layers.filter((l) => l.params().length > 0).map((l) => [l.name, l.paramCount()]);

describe('classic LeNet-5 (paper-faithful)', () => {
  const m = classicModel();

  it('has the paper\'s parameters per layer and 60,000 in total', () => {
    expect(paramLayers(m)).toEqual([['C1', 156], ['S2', 12], ['C3', 1516], ['S4', 32], ['C5', 48120], ['F6', 10164]]);
    expect(m.paramCount()).toBe(60000);
  });

  it('has 340,908 connections, layer by layer as in Sec. II-B', () => {
    const byName = Object.fromEntries(m.layers.map((l) => [l.name, l.connections()]));
    expect(byName).toMatchObject({ C1: 122304, S2: 5880, C3: 151600, S4: 2000, C5: 48120, F6: 10164, output: 840 });
    expect(m.connections()).toBe(340908);
  });

  it('has the paper\'s shapes: 32x32 in, 6@28, 6@14, 16@10, 16@5, 120, 84, 10', () => {
    expect(m.input.shape).toEqual([1, 32, 32]);
    const shapes = Object.fromEntries(m.layers.map((l) => [l.name, l.outShape]));
    expect(shapes).toMatchObject({ C1: [6, 28, 28], S2: [6, 14, 14], C3: [16, 10, 10], S4: [16, 5, 5], C5: [120, 1, 1], F6: [84], output: [10] });
  });

  it('connects C3 to S2 exactly as Table I (the paper\'s grid, verbatim)', () => {
    // Rows: S2 maps 0-5; columns: C3 maps 0-15 (LeCun et al. 1998, Table I).
    const grid = [
      'X . . . X X X . . X X X X . X X',
      'X X . . . X X X . . X X X X . X',
      'X X X . . . X X X . . X . X X X',
      '. X X X . . X X X X . . X . X X',
      '. . X X X . . X X X X . X X . X',
      '. . . X X X . . X X X X . X X X',
    ].map((r) => r.split(' '));
    for (let c3 = 0; c3 < 16; c3++) {
      const fromGrid = [0, 1, 2, 3, 4, 5].filter((s2) => grid[s2]![c3] === 'X');
      expect([...TABLE_I[c3]!].sort((a, b) => a - b), `C3 map ${c3}`).toEqual(fromGrid);
    }
    // And as the paper's Section II-B lists it.
    const listed = '0:{0,1,2} 1:{1,2,3} 2:{2,3,4} 3:{3,4,5} 4:{4,5,0} 5:{5,0,1} 6:{0,1,2,3} 7:{1,2,3,4} 8:{2,3,4,5} ' +
      '9:{3,4,5,0} 10:{4,5,0,1} 11:{5,0,1,2} 12:{0,1,3,4} 13:{1,2,4,5} 14:{0,2,3,5} 15:{0,1,2,3,4,5}';
    for (const item of listed.split(' ')) {
      const [k, set] = item.split(':') as [string, string];
      expect([...TABLE_I[Number(k)]!].sort(), `C3 map ${k}`).toEqual(set.slice(1, -1).split(',').map(Number).sort());
    }
    const c3 = m.layers.find((l) => l.name === 'C3') as Conv2D;
    for (let oc = 0; oc < 16; oc++) expect(c3.inputsOf(oc)).toEqual(TABLE_I[oc]);
  });

  it('initialises uniform in +-2.4/F_i with the per-map fan-in, and leaves unconnected C3 weights at zero', () => {
    const net = LeNet5.classic({ seed: 3, backend: jsBackend() });
    const w = net.getWeights();
    const offs = net.model.paramOffsets;
    const idx = net.model.layers.findIndex((l) => l.name === 'C3');
    const base = offs[idx]![0]!;
    for (let oc = 0; oc < 16; oc++) {
      const bound = 2.4 / (TABLE_I[oc]!.length * 25);
      let maxAbs = 0;
      for (let c = 0; c < 6; c++) {
        for (let k = 0; k < 25; k++) {
          const v = w[base + (oc * 6 + c) * 25 + k]!;
          if (TABLE_I[oc]!.includes(c)) maxAbs = Math.max(maxAbs, Math.abs(v));
          else expect(v, `C3 weight ${oc},${c},${k} is not connected`).toBe(0);
        }
      }
      expect(maxAbs).toBeLessThanOrEqual(bound);
      // 75-150 uniform draws: the largest comes close to the bound (not a smaller range by mistake).
      expect(maxAbs).toBeGreaterThan(0.9 * bound);
    }
    const c1 = offs[net.model.layers.findIndex((l) => l.name === 'C1')]![0]!;
    const c1w = w.subarray(c1, c1 + 150);
    expect(Math.max(...c1w.map(Math.abs))).toBeLessThanOrEqual(2.4 / 25);
    const f6 = offs[net.model.layers.findIndex((l) => l.name === 'F6')]![0]!;
    const f6w = w.subarray(f6, f6 + 84 * 120);
    expect(Math.max(...f6w.map(Math.abs))).toBeLessThanOrEqual(2.4 / 120);
    expect(Math.max(...f6w.map(Math.abs))).toBeGreaterThan(0.99 * (2.4 / 120));
  });

  it('draws the RBF prototypes as +-1 7x12 digit bitmaps (snapshot)', () => {
    const p = digitPrototypes();
    expect(p.length).toBe(840);
    expect(p.every((v) => v === 1 || v === -1)).toBe(true);
    for (const rows of DIGIT_BITMAPS) {
      expect(rows.length).toBe(12);
      for (const r of rows) expect(r).toMatch(/^[#.]{7}$/);
    }
    // Every pair of codes differs in many places (distinct classes stay far apart).
    for (let a = 0; a < 10; a++) {
      for (let b = a + 1; b < 10; b++) {
        let diff = 0;
        for (let k = 0; k < 84; k++) if (p[a * 84 + k] !== p[b * 84 + k]) diff++;
        expect(diff, `digits ${a} and ${b}`).toBeGreaterThanOrEqual(8);
      }
    }
    expect(renderPrototypes(p)).toMatchSnapshot();
  });

  it('predicts by the least penalty', () => {
    expect(m.predictsByMin).toBe(true);
  });
});

describe('modern LeNet-5 (Keras variant)', () => {
  const m = modernModel();

  it('has 156 / 2,416 / 48,120 / 10,164 / 850 parameters, 61,706 in total', () => {
    expect(paramLayers(m)).toEqual([['conv1', 156], ['conv2', 2416], ['conv3', 48120], ['dense1', 10164], ['dense2', 850]]);
    expect(m.paramCount()).toBe(61706);
    const shapes = Object.fromEntries(m.layers.map((l) => [l.name, l.outShape]));
    expect(shapes).toMatchObject({ conv1: [6, 28, 28], pool1: [6, 14, 14], conv2: [16, 10, 10], pool2: [16, 5, 5], conv3: [120, 1, 1], flatten: [120], dense1: [84], dense2: [10] });
    expect((m.layers.find((l) => l.type === 'dropout') as unknown as { rate: number }).rate).toBe(0.8);
    expect(m.loss).toEqual({ kind: 'crossentropy' });
  });
});

describe('summary', () => {
  it('prints a table with totals matching the paper (60,000 / 340,908) and the article (61,706), and the same as data', () => {
    const classic = LeNet5.classic({ backend: jsBackend() });
    const text = classic.summary();
    expect(text).toContain('Total params: 60,000');
    expect(text).toContain('Connections: 340,908');
    expect(text).toMatch(/C3 \(conv2d\)\s+\(None, 16, 10, 10\)\s+1,516\s+151,600/);
    const data = classic.summary({ json: true });
    expect(data.totalParams).toBe(60000);
    expect(data.connections).toBe(340908);
    expect(data.rows.map((r) => r.params).reduce((a, b) => a + b, 0)).toBe(60000);

    const modern = LeNet5.modern({ backend: jsBackend() });
    expect(modern.summary()).toContain('Total params: 61,706');
    expect(modern.summary({ json: true }).rows.find((r) => r.name === 'dense2')!.params).toBe(850);
  });

  it('rejects ill-formed stacks with messages naming the layer', async () => {
    const { Dense } = await import('../../src/layers/dense.js');
    const { Softmax } = await import('../../src/layers/activation.js');
    expect(() => LeNet5.fromLayers([new Dense({ units: 10 }), new Softmax()],
      { input: { shape: [1, 28, 28], normalization: 'modern' }, loss: { kind: 'crossentropy' } }, { backend: jsBackend() }))
      .toThrow(/layer 0 \(dense_1\).*Flatten/);
    expect(() => LeNet5.fromLayers([new Conv2D({ filters: 2, kernelSize: 5 })],
      { input: { shape: [1, 28, 28], normalization: 'modern' }, loss: { kind: 'crossentropy' } }, { backend: jsBackend() }))
      .toThrow(/Softmax last layer/);
  });
});
