/**
 * Runs before every test file: loads the pure-JS backend, as any `init()` does in Node, so that tests may
 * create js-backend models without initialising the wasm kernels (tests of `init()` itself still see an
 * uninitialised library: this does not set a default backend).
 */
import { loadJsBackend } from '../src/backend/load.js';

await loadJsBackend();
