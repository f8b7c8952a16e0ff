/** The Node entry: everything of the default entry, plus Node-only I/O (file loaders come here). */
export * from './index.js';
export { loadMnist, loadFashionMnist, loadDigits, loadNode, defaultCacheDir, readImageFile, imageFileToMnist, gunzipNode } from './data/index.node.js';
export type { NodeLoadOptions, LoadDigitsNodeOptions } from './data/index.node.js';
export { saveModel, loadModel } from './io/node.js';
export { writeFileAtomic } from './io/node.js';
