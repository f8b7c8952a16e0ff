/**
 * The import rules of the library (npm run lint:deps; part of npm test), checked on dist/, the JavaScript tsc
 * makes of src/ file for file (dependency-cruiser cannot read TypeScript 7's sources; dist/ is also what
 * runs, so a cycle there is a cycle that executes). Arrows run one way:
 *
 *   cli, web, bench                    the command line, the demo page, the benchmark suite
 *   index.ts, index.node.ts, onnx.ts   the package entries
 *   io/onnx*                           ONNX import/export: depends on the model, never the reverse
 *   models/lenet5.ts, io/node.ts       the API users hold (LeNet5; saveModel/loadModel in Node)
 *   train/, io/format.ts               training (loop, optimizers, threads), the model file format
 *   models/ (the rest)                 the layer graph (Sequential), presets, inference, summary
 *   layers/                            the layers
 *   backend/, memory.ts                loading the kernels, the wasm and js backends, the arena
 *   reference/                         the pure-TS twins of the kernels
 *   data/                              datasets, IDX, images, digits, MNIST loaders
 *   errors.ts, version.ts, embedded.ts, random.ts, platform/   the ground floor
 *
 * A module may import from its own level and the levels below it; docs/ARCHITECTURE.md explains each.
 */
const ground = '^dist/(errors|version|embedded|random)\\.js$|^dist/platform/';
const data = '^dist/data/';
const reference = '^dist/reference/';
const backend = '^dist/backend/|^dist/memory\\.js$';
const layers = '^dist/layers/';
const graph = '^dist/models/(?!lenet5\\.js$)';
const training = '^dist/train/|^dist/io/format\\.js$';
const api = '^dist/models/lenet5\\.js$|^dist/io/node\\.js$';
const onnx = '^dist/io/onnx|^dist/onnx\\.js$';
const entries = '^dist/index(\\.node)?\\.js$';
const top = '^dist/(cli|web|bench)/';

/** `from` may import nothing in src/ but `allowed`. */
const level = (name, from, allowed) => ({
  name,
  severity: 'error',
  comment: `${name}: imports only from ${allowed.join(', ')}`,
  from: { path: from },
  to: { path: '^dist/', pathNot: allowed.map((a) => `(${a})`).join('|') },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'import cycles', from: {}, to: { circular: true } },
    level('ground', ground, [ground]),
    level('data', data, [ground, data]),
    level('reference', reference, [ground, reference]),
    level('backend', backend, [ground, reference, backend]),
    level('layers', layers, [ground, reference, backend, layers]),
    level('graph', graph, [ground, data, reference, backend, layers, graph]),
    level('training', training, [ground, data, reference, backend, layers, graph, training]),
    level('api', api, [ground, data, reference, backend, layers, graph, training, api]),
    level('onnx', onnx, [ground, data, reference, backend, layers, graph, training, api, onnx]),
    level('entries', entries, [ground, data, reference, backend, layers, graph, training, api, onnx, entries]),
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      comment: 'the library never imports tests or test tools',
      from: { path: '^dist/' },
      to: { path: '^test/|node_modules/(vitest|fast-check|@vitest)/' },
    },
    {
      name: 'node-only-where-said',
      severity: 'error',
      comment: 'node: modules only in Node-only files (*.node.ts, io/node.ts, train/worker.ts, cli, bench); ' +
        'everything else reaches Node through platform/node-builtin.ts, so browser bundles never see them',
      from: { path: '^dist/', pathNot: '\\.node\\.js$|^dist/io/node\\.js$|^dist/train/worker\\.js$|^dist/(cli|bench)/' },
      to: { dependencyTypes: ['core'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-dev-deps',
      severity: 'error',
      comment: 'src/ uses only runtime dependencies',
      from: { path: '^dist/', pathNot: '^dist/(bench|web)/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.generated\\.js$' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
    },
  },
};
