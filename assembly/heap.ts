// Where the TS arena may start: the first byte after the module's static data. Exported by both entry
// files (index.ts, the kernels; bench.ts, the bench-only build), whose callers lay their buffers from there.

/** First byte after the module's static data: the TS arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
