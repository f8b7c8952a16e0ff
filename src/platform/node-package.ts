/**
 * lenet5's own dependencies that only Node uses, loaded without bundlers seeing them (see node-builtin.ts);
 * apart from it so that only the code that needs one (train/verbose.ts, in the lazily loaded training
 * chunk) carries this.
 */
import { InvalidArgumentError } from '../errors.js';

/** The only packages nodePackage loads: lenet5's own dependencies that only Node uses, a fixed list. */
export const NODE_PACKAGES = ['cli-progress'] as const;

/**
 * A package of NODE_PACKAGES (e.g. `cli-progress` for `fit({ verbose })`), imported as nodeBuiltin does:
 * the computed specifier keeps bundlers from pulling it into browser bundles, and Node resolves it from the
 * package's folder. Only names of the fixed list load, so no data can choose what code runs. CommonJS
 * packages come back with their exports on the namespace or on `default`; this returns whichever holds them.
 */
export async function nodePackage<T>(name: (typeof NODE_PACKAGES)[number]): Promise<T> {
  if (!NODE_PACKAGES.includes(name)) throw new InvalidArgumentError(`nodePackage: ${name} is not one of ${NODE_PACKAGES.join(', ')}`);
  const ns = (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as { default?: T };
  return (ns.default ?? ns) as T;
}
