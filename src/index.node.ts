/**
 * The Node entry (`lenet5/node`; in Node, `lenet5` resolves to it too): everything of the core entry, plus
 * Node-only I/O: MNIST and Fashion-MNIST from local folders or an on-disk cache, image files, model files.
 *
 * @packageDocumentation
 */
export * from './index.js';
export { loadMnist, loadFashionMnist, loadDigits, loadNode, defaultCacheDir, readImageFile, imageFileToMnist, gunzipNode } from './data/index.node.js';
export type { NodeLoadOptions, LoadDigitsNodeOptions } from './data/index.node.js';
export { saveModel, loadModel } from './io/node.js';
export { writeFileAtomic } from './io/node.js';
