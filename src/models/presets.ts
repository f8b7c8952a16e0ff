/**
 * The two LeNet-5s: the 1998 paper's network and the modern ReLU/Adam/softmax variant.
 *
 * classic — LeCun, Bottou, Bengio, Haffner 1998, Sec. II-B: 32x32 input (the 28x28 image padded by 2 with
 * the background level), levels -0.1 / 1.175, C1 6@5x5, S2 trainable subsampling, C3 16@5x5 over the
 * maps of Table I, S4, C5 120@5x5, F6 84, every unit squashed by 1.7159 tanh(2a/3), and 10 Euclidean
 * RBF outputs with fixed +-1 7x12 digit bitmaps. Init uniform +-2.4/F_i. 60,000 trainable parameters,
 * 340,908 connections.
 *
 * modern — the Keras variant: 28x28 input in [0, 1], conv 6@5x5 same + ReLU, avg pool, conv 16@5x5 +
 * ReLU, avg pool, conv 120@5x5 + ReLU, flatten, dense 84 + ReLU, dropout 0.8, dense 10 + softmax.
 * 61,706 parameters.
 */
import { ReLU, Softmax, Tanh } from '../layers/activation.js';
import { Conv2D } from '../layers/conv.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import type { InitScheme, Layer } from '../layers/layer.js';
import { AvgPool2D, Subsampling } from '../layers/pool.js';
import { RBF } from '../layers/rbf.js';
import { Flatten } from '../layers/reshape.js';
import { digitPrototypes } from './bitmaps.js';
import { Sequential, type LossSpec } from './sequential.js';

/**
 * Table I of the paper: the S2 maps each C3 map reads. Rows of the table are S2 maps, columns C3 maps;
 * this lists it by column. Six maps read 3 contiguous maps, six read 4 contiguous, three read 4
 * non-contiguous, one reads all six.
 */
export const TABLE_I: readonly (readonly number[])[] = [
  [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1],
  [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2],
  [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
  [0, 1, 2, 3, 4, 5],
];

/** Options of the classic preset (`LeNet5.classic`): which of the paper's losses trains it. */
export interface ClassicOptions {
  /** Eq. 8 ('rbf-penalty') or Eq. 9 ('rbf-map', default) with its constant j. */
  loss?: 'rbf-penalty' | 'rbf-map';
  /** The positive constant j of Eq. 9 (default 1). */
  j?: number;
}

/**
 * The classic preset's layers, as in the paper: C1 `6@5x5`, S2, C3 `16@5x5` over Table I, S4, C5 `120@5x5`, F6 84
 * (each squashed by 1.7159 tanh(2a/3)), and the RBF output over the 7x12 digit bitmaps. Input 32x32 (28x28 padded
 * by 2).
 */
export function classicLayers(): Layer[] {
  return [
    new Conv2D({ filters: 6, kernelSize: 5, init: 'lecun98', biasInit: 'lecun98', name: 'C1' }),
    new Tanh({ name: 'C1.f' }),
    new Subsampling({ name: 'S2' }),
    new Tanh({ name: 'S2.f' }),
    new Conv2D({ filters: 16, kernelSize: 5, connections: TABLE_I, init: 'lecun98', biasInit: 'lecun98', name: 'C3' }),
    new Tanh({ name: 'C3.f' }),
    new Subsampling({ name: 'S4' }),
    new Tanh({ name: 'S4.f' }),
    new Conv2D({ filters: 120, kernelSize: 5, init: 'lecun98', biasInit: 'lecun98', name: 'C5' }),
    new Tanh({ name: 'C5.f' }),
    new Flatten({ name: 'flatten' }),
    new Dense({ units: 84, init: 'lecun98', biasInit: 'lecun98', name: 'F6' }),
    new Tanh({ name: 'F6.f' }),
    new RBF({ units: 10, prototypes: digitPrototypes(), name: 'output' }),
  ];
}

export function classicModel(opts: ClassicOptions = {}): Sequential {
  const loss: LossSpec = (opts.loss ?? 'rbf-map') === 'rbf-map' ? { kind: 'rbf-map', j: opts.j ?? 1 } : { kind: 'rbf-penalty' };
  return new Sequential(classicLayers(), {
    name: 'lenet5-classic',
    // The 28x28 image padded by 2 with the background level: the paper's 32x32 input.
    input: { shape: [1, 32, 32], normalization: 'classic' },
    loss,
  });
}

/** Options of the modern preset (`LeNet5.modern`): dropout rate and initialisation. */
export interface ModernOptions {
  /** Dropout rate before the last layer (default 0.8, as in the article's Keras model). */
  dropout?: number;
  /** Weight initialisation (default 'glorot', Keras' glorot_uniform). */
  init?: InitScheme;
  /** Bias initialisation (default 'zeros', as Keras). */
  biasInit?: InitScheme;
}

/**
 * The modern preset's layers (Keras-style): conv `6@5x5` same + ReLU, average pool, conv `16@5x5` + ReLU, average
 * pool, conv `120@5x5` + ReLU, flatten, dense 84 + ReLU, dropout (default 0.8), dense 10 + softmax. Input 28x28.
 */
export function modernLayers(opts: ModernOptions = {}): Layer[] {
  const init = { init: opts.init ?? 'glorot', biasInit: opts.biasInit ?? 'zeros' } as const;
  return [
    new Conv2D({ filters: 6, kernelSize: 5, padding: 'same', name: 'conv1', ...init }),
    new ReLU({ name: 'relu1' }),
    new AvgPool2D({ name: 'pool1' }),
    new Conv2D({ filters: 16, kernelSize: 5, name: 'conv2', ...init }),
    new ReLU({ name: 'relu2' }),
    new AvgPool2D({ name: 'pool2' }),
    new Conv2D({ filters: 120, kernelSize: 5, name: 'conv3', ...init }),
    new ReLU({ name: 'relu3' }),
    new Flatten({ name: 'flatten' }),
    new Dense({ units: 84, name: 'dense1', ...init }),
    new ReLU({ name: 'relu4' }),
    new Dropout({ rate: opts.dropout ?? 0.8, name: 'dropout' }),
    new Dense({ units: 10, name: 'dense2', ...init }),
    new Softmax({ name: 'softmax' }),
  ];
}

export function modernModel(opts: ModernOptions = {}): Sequential {
  return new Sequential(modernLayers(opts), {
    name: 'lenet5-modern',
    input: { shape: [1, 28, 28], normalization: 'modern' },
    loss: { kind: 'crossentropy' },
  });
}
