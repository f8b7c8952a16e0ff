/** The layer set, and rebuilding a layer from its saved config. */
import { InvalidArgumentError } from '../errors.js';
import { ReLU, Sigmoid, Softmax, Tanh } from './activation.js';
import { Conv2D } from './conv.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import type { Layer } from './layer.js';
import { AvgPool2D, MaxPool2D, Subsampling } from './pool.js';
import { RBF } from './rbf.js';
import { Flatten, Padding } from './reshape.js';

export { Layer, sizeOf } from './layer.js';
export type { BindContext, InitScheme, ParamSpec, RunContext, Shape, View } from './layer.js';
export { Conv2D, type Conv2DOptions } from './conv.js';
export { Dense, type DenseOptions } from './dense.js';
export { AvgPool2D, MaxPool2D, Subsampling, type SubsamplingOptions } from './pool.js';
export { RBF, type RBFOptions } from './rbf.js';
export { ReLU, Sigmoid, Softmax, Tanh } from './activation.js';
export { Dropout } from './dropout.js';
export { Flatten, Padding } from './reshape.js';

/** Rebuilds a layer from `layer.config()` (save/load). Throws naming the unknown type. */
export function layerFromConfig(cfg: Record<string, unknown>): Layer {
  // Constructors validate their own options, so a hand-edited file fails with the layer's message.
  const c = cfg as never;
  switch (cfg['type']) {
    case 'conv2d': return new Conv2D(c);
    case 'dense': return new Dense(c);
    case 'subsampling': return new Subsampling(c);
    case 'avgpool2d': return new AvgPool2D(c);
    case 'maxpool2d': return new MaxPool2D(c);
    case 'rbf': return new RBF(c);
    case 'relu': return new ReLU(c);
    case 'tanh': return new Tanh(c);
    case 'sigmoid': return new Sigmoid(c);
    case 'softmax': return new Softmax(c);
    case 'dropout': return new Dropout(c);
    case 'flatten': return new Flatten(c);
    case 'padding': return new Padding(c);
    default: throw new InvalidArgumentError(`unknown layer type ${JSON.stringify(cfg['type'])}`);
  }
}
