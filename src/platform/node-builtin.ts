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

/** The only packages nodePackage loads: lenet5's own dependencies that only Node uses, a fixed list. */
export const NODE_PACKAGES = ['cli-progress'] as const;

/**
 * A package of NODE_PACKAGES (e.g. `cli-progress` for `fit({ verbose })`), imported as nodeBuiltin does:
 * the computed specifier keeps bundlers from pulling it into browser bundles, and Node resolves it from the
 * package's folder. Only names of the fixed list load, so no data can choose what code runs. CommonJS
 * packages come back with their exports on the namespace or on `default`; this returns whichever holds them.
 */
export async function nodePackage<T>(name: (typeof NODE_PACKAGES)[number]): Promise<T> {
  if (!NODE_PACKAGES.includes(name)) throw new Error(`nodePackage: ${String(name)} is not one of ${NODE_PACKAGES.join(', ')}`);
  const ns = (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as { default?: T };
  return (ns.default ?? ns) as T;
}
