/**
 * Node-only data API. Re-exported by name from the Node entry so that `loadMnist`, `loadFashionMnist` and
 * `loadDigits` there are the Node versions (local folders, disk cache, zlib), shadowing the fetch-only ones.
 */
export { loadMnist, loadFashionMnist, loadNode, defaultCacheDir } from './mnist.node.js';
export type { NodeLoadOptions } from './mnist.node.js';
export { loadDigits } from './digits.node.js';
export type { LoadDigitsNodeOptions } from './digits.node.js';
export { readImageFile, imageFileToMnist } from './decode.node.js';
export type { ReadImageOptions } from './decode.node.js';
export { gunzipNode } from './gzip.node.js';
