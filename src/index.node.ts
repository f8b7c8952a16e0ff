/** The Node entry: everything of the default entry, plus Node-only I/O (file loaders come here). */
export * from './index.js';
