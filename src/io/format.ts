/**
 * The model file: one self-describing byte string.
 *
 *   0   8 bytes  magic "LENET5\r\n" (the CR LF catches text-mode transfers that would corrupt it)
 *   8   u32 LE   format version (1)
 *   12  u32 LE   header length H in bytes
 *   16  H bytes  JSON header, UTF-8, space-padded to a multiple of 4: library version, the model's
 *                architecture (input, loss, every layer's config), each tensor's name, shape and offset,
 *                optional training state, payload length and CRC-32
 *   16+H         payload: float32 little-endian, the params block then any optimizer state
 *
 * Loading checks every one of these and names what is wrong.
 */
import { ModelFileError } from '../errors.js';
import { layerFromConfig } from '../layers/index.js';
import { Sequential, type InputSpec, type LossSpec } from '../models/sequential.js';
import { sizeOf } from '../layers/layer.js';
import { VERSION } from '../version.js';
import type { TrainingProgress } from '../train/fit.js';

export const MAGIC = [0x4c, 0x45, 0x4e, 0x45, 0x54, 0x35, 0x0d, 0x0a] as const;
export const FORMAT_VERSION = 1;

/** A model file that cannot be loaded; the message says which part is wrong (defined with the other errors). */
export { ModelFileError };

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in floats from the start of the payload. */
  offset: number;
}

export interface TrainingState {
  optimizer: Record<string, unknown>;
  steps: number;
  epochsTrained: number;
  /** Optimizer state tensors, stored after the params. */
  tensors: TensorEntry[];
  /** Where an interrupted fit stood (checkpoints written during training). */
  progress?: TrainingProgress;
}

/**
 * The JSON header of a model file (see the file layout above): what the model is and where its tensors are in the
 * payload.
 */
export interface ModelHeader {
  /** Always `'lenet5-model'`. */
  format: 'lenet5-model';
  /** The file format version (1). */
  formatVersion: number;
  /** The version of the library that wrote the file. */
  library: string;
  /** `'classic'` or `'modern'` for the presets, null for custom models. */
  preset: string | null;
  /** The seed the weights were initialised with. */
  seed: number | null;
  /** The architecture: name, input, loss and every layer's config (enough to rebuild the model). */
  model: { name: string; input: InputSpec; loss: LossSpec; layers: Record<string, unknown>[] };
  /** Name, shape and payload offset of every parameter tensor. */
  tensors: TensorEntry[];
  /** Optimizer state and counters, when saved with `training: true` (checkpoints); else null. */
  training: TrainingState | null;
  /** Length of the payload in float32 values. */
  payloadFloats: number;
  /** CRC-32 of the payload bytes. */
  crc32: number;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3), as zip and PNG use. */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Tensor table of a model's params block, in block order. */
export function paramTensors(model: Sequential): TensorEntry[] {
  const out: TensorEntry[] = [];
  model.layers.forEach((l, i) => {
    l.params().forEach((p, j) => out.push({ name: `${l.name}.${p.name}`, shape: [...p.shape], offset: model.paramOffsets[i]![j]! }));
  });
  return out;
}

export interface EncodeInput {
  model: Sequential;
  params: ArrayLike<number>;
  preset: string | null;
  seed: number | null;
  training?: {
    optimizer: Record<string, unknown>; steps: number; epochsTrained: number; state: ArrayLike<number>[]; progress?: TrainingProgress;
  } | null;
}

/** Serialises a model (and optionally its training state) to bytes. */
export function encodeModel(input: EncodeInput): Uint8Array {
  const { model, params } = input;
  const P = model.paramBlockLength;
  let floats = P;
  let training: TrainingState | null = null;
  if (input.training) {
    const tensors = input.training.state.map((s, i) => {
      const t = { name: `optimizer.${i}`, shape: [s.length], offset: floats };
      floats += s.length;
      return t;
    });
    training = { optimizer: input.training.optimizer, steps: input.training.steps, epochsTrained: input.training.epochsTrained, tensors };
    if (input.training.progress) training.progress = input.training.progress;
  }
  const payload = new Uint8Array(floats * 4);
  const dv = new DataView(payload.buffer);
  for (let i = 0; i < P; i++) dv.setFloat32(i * 4, params[i]!, true);
  if (input.training && training) {
    input.training.state.forEach((s, k) => {
      const at = training.tensors[k]!.offset;
      for (let i = 0; i < s.length; i++) dv.setFloat32((at + i) * 4, s[i]!, true);
    });
  }
  const header: ModelHeader = {
    format: 'lenet5-model',
    formatVersion: FORMAT_VERSION,
    library: VERSION,
    preset: input.preset,
    seed: input.seed,
    model: model.config(),
    tensors: paramTensors(model),
    training,
    payloadFloats: floats,
    crc32: crc32(payload),
  };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(16 + json.length + payload.length);
  out.set(MAGIC, 0);
  const odv = new DataView(out.buffer);
  odv.setUint32(8, FORMAT_VERSION, true);
  odv.setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(payload, 16 + json.length);
  return out;
}

export interface DecodedModel {
  header: ModelHeader;
  model: Sequential;
  params: Float32Array;
  /** Optimizer state tensors, when the file carries training state. */
  state: Float32Array[];
}

/** Parses and validates a model file; the Sequential is described but not built. */
export function decodeModel(bytes: Uint8Array, source = 'model file'): DecodedModel {
  const fail = (msg: string, cause?: unknown): never => {
    throw new ModelFileError(`${source}: ${msg}`, source, cause === undefined ? undefined : { cause });
  };
  if (!(bytes instanceof Uint8Array)) fail('expected the file contents as bytes (Uint8Array)');
  if (bytes.length < 16) fail(`only ${bytes.length} bytes: too short to be a lenet5 model file (truncated or empty?)`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      if (i >= 6) fail('the line break after "LENET5" was altered (the file went through a text-mode transfer)');
      fail('not a lenet5 model file (the first bytes are not "LENET5")');
    }
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version > FORMAT_VERSION) fail(`format version ${version} is newer than this library reads (${FORMAT_VERSION}); upgrade lenet5`);
  if (version < 1) fail(`format version ${version} is not a valid version`);
  const H = dv.getUint32(12, true);
  if (16 + H > bytes.length) fail(`the header claims ${H} bytes but only ${bytes.length - 16} follow (truncated file)`);
  if (H % 4 !== 0) fail(`header length ${H} is not a multiple of 4 (corrupted)`);
  let header: ModelHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + H))) as ModelHeader;
  } catch (err) {
    return fail(`the header is not valid JSON (${(err as Error).message})`, err);
  }
  if (header === null || typeof header !== 'object' || header.format !== 'lenet5-model') {
    fail('the header does not describe a lenet5 model ("format" is missing or wrong)');
  }
  if (!header.model || !Array.isArray(header.model.layers)) fail('the header has no model architecture ("model.layers")');
  if (!Array.isArray(header.tensors)) fail('the header has no tensor table ("tensors")');
  header.tensors.forEach((t, i) => {
    if (t === null || typeof t !== 'object' || typeof t.name !== 'string' || !Array.isArray(t.shape) ||
      !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || !Number.isSafeInteger(t.offset) || t.offset < 0) {
      fail(`tensor entry ${i} is malformed (needs a name, a shape of non-negative integers and an offset)`);
    }
  });
  if (header.training !== null && header.training !== undefined) checkTraining(header.training, fail);
  if (!Number.isSafeInteger(header.payloadFloats) || header.payloadFloats < 0) fail('"payloadFloats" is missing or invalid');
  // A header that claims huge sizes is refused here, before anything is allocated for it.
  const payloadBytes = bytes.length - 16 - H;
  if (payloadBytes !== header.payloadFloats * 4) {
    fail(`the payload holds ${payloadBytes} bytes but the header declares ${header.payloadFloats * 4}` +
      (payloadBytes < header.payloadFloats * 4 ? ' (truncated file)' : ' (extra bytes appended)'));
  }
  const payload = bytes.subarray(16 + H);
  const crc = crc32(payload);
  if (crc !== header.crc32) {
    fail(`payload checksum mismatch: CRC-32 is ${crc.toString(16)}, header says ${Number(header.crc32).toString(16)} (corrupted data)`);
  }
  let model: Sequential;
  try {
    const layers = header.model.layers.map((c, i) => {
      try {
        return layerFromConfig(c);
      } catch (err) {
        throw new ModelFileError(`layer ${i}: ${(err as Error).message}`, source, { cause: err });
      }
    });
    model = new Sequential(layers, { input: header.model.input, loss: header.model.loss, name: header.model.name });
  } catch (err) {
    return fail(`the header describes an invalid model: ${(err as Error).message}`, err);
  }
  const expected = paramTensors(model);
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  for (const e of expected) {
    const t = byName.get(e.name);
    if (t === undefined) fail(`tensor ${e.name} (shape [${e.shape.join(', ')}]) is missing from the file`);
    if (!Array.isArray(t!.shape) || t!.shape.join(',') !== e.shape.join(',')) {
      fail(`tensor ${e.name} has shape [${String(t!.shape)}] in the file but the architecture needs [${e.shape.join(', ')}]`);
    }
    if (t!.offset !== e.offset) fail(`tensor ${e.name} is at offset ${t!.offset} but the layout puts it at ${e.offset}`);
  }
  if (header.tensors.length !== expected.length) {
    const extra = header.tensors.filter((t) => !expected.some((e) => e.name === t.name)).map((t) => t.name);
    fail(`the file has tensors the architecture does not: ${extra.join(', ')}`);
  }
  const P = model.paramBlockLength;
  let stateFloats = 0;
  let stateAt = P;
  for (const t of header.training?.tensors ?? []) {
    if (t.offset !== stateAt) fail(`optimizer tensor ${t.name} is at offset ${t.offset} but the layout puts it at ${stateAt}`);
    stateFloats += sizeOf(t.shape);
    stateAt += sizeOf(t.shape);
  }
  if (P + stateFloats !== header.payloadFloats) {
    fail(`the architecture needs ${P} parameter values${stateFloats ? ` + ${stateFloats} optimizer values` : ''} but the payload holds ${header.payloadFloats}`);
  }
  const pdv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const read = (at: number, n: number, what: (i: number) => string): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = pdv.getFloat32((at + i) * 4, true);
      if (!Number.isFinite(v)) fail(`${what(i)} holds ${v} (not a finite number)`);
      a[i] = v;
    }
    return a;
  };
  const params = read(0, P, (i) => {
    const t = [...expected].reverse().find((e) => e.offset <= i)!;
    return `tensor ${t.name} at element ${i - t.offset}`;
  });
  const state = (header.training?.tensors ?? []).map((t) => read(t.offset, sizeOf(t.shape), (i) => `${t.name} at element ${i}`));
  return { header, model, params, state };
}

type Fail = (msg: string) => never;

/** Shape checks of the optional training state (optimizer, counters, state tensors, progress). */
function checkTraining(t: TrainingState, fail: Fail): void {
  if (typeof t !== 'object' || Array.isArray(t)) fail('"training" must be an object or null');
  if (t.optimizer === null || typeof t.optimizer !== 'object' || typeof t.optimizer['type'] !== 'string') {
    fail('"training.optimizer" must describe an optimizer ({ type: ... })');
  }
  if (!Number.isSafeInteger(t.steps) || t.steps < 0) fail('"training.steps" must be an integer >= 0');
  if (!Number.isSafeInteger(t.epochsTrained) || t.epochsTrained < 0) fail('"training.epochsTrained" must be an integer >= 0');
  if (!Array.isArray(t.tensors)) fail('"training.tensors" must be a list');
  t.tensors.forEach((e, i) => {
    if (e === null || typeof e !== 'object' || typeof e.name !== 'string' || !Array.isArray(e.shape) ||
      !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || !Number.isSafeInteger(e.offset)) {
      fail(`optimizer tensor entry ${i} is malformed`);
    }
  });
  const p = t.progress;
  if (p === undefined) return;
  const ints: (keyof TrainingProgress)[] = ['fitStart', 'fitEpochs', 'epoch', 'batch', 'seed', 'batchSize', 'count', 'correct', 'seen'];
  if (p === null || typeof p !== 'object') fail('"training.progress" must be an object');
  for (const k of ints) {
    if (!Number.isSafeInteger(p[k]) || (p[k] as number) < 0) fail(`"training.progress.${k}" must be an integer >= 0`);
  }
  if (typeof p.shuffle !== 'boolean') fail('"training.progress.shuffle" must be true or false');
  if (typeof p.lossSum !== 'number' || !Number.isFinite(p.lossSum)) fail('"training.progress.lossSum" must be a finite number');
  if (!Array.isArray(p.rng) || p.rng.length !== 4 || !p.rng.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)) {
    fail('"training.progress.rng" must hold 4 unsigned 32-bit integers');
  }
  if (p.data !== undefined && (typeof p.data !== 'string' || !/^[0-9a-f]{8}$/.test(p.data))) {
    fail('"training.progress.data" must be 8 hex digits (the fingerprint of the training data)');
  }
}
