// The module's exports: every kernel family re-exported, plus where the TS arena may start.
export * from './conv';
export * from './pool';
export * from './dense';
export * from './rbf';
export * from './activation';
export * from './loss';
export * from './optim';
export * from './hessian';
export * from './dropout';
export * from './input';
export * from './bench';

/** First byte after the module's static data: the TS arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
