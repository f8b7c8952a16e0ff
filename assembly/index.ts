// The module's exports, and nothing else: every kernel family re-exported, plus where the TS arena may
// start. The helpers the kernels share (simd.ts, gemm.ts, conv-*.ts) are not re-exported, so they never
// become module exports. The SIMD ceiling kernel of the benchmarks is not here either: it lives in the
// bench-only build (bench.ts, build/lenet5.bench*.wasm), which the package does not ship.
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
export * from './heap';
