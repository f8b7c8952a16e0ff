/**
 * A Node built-in module, imported only when called. The specifier is computed, so bundlers leave the
 * import alone and browser bundles never try to resolve `node:*`; the callers run it only where
 * `isNode()` holds. This replaces per-platform files chosen by package.json conditions, so the browser
 * files of the package import nothing but relative paths and load unbundled from a plain import map.
 */
export function nodeBuiltin<T>(name: string): Promise<T> {
  const specifier = `node:${name}`;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

/** True in Node (and runtimes that present themselves as Node), where `nodeBuiltin` works. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}
