/**
 * The four builds of the kernels (asconfig.json's `release*` targets) and how each reaches an engine.
 *
 *   build                    file                            SIMD     relaxed SIMD (FMA)   shared memory (threads)
 *   release                  lenet5.wasm                     yes      no                   no
 *   release-relaxed          lenet5.relaxed.wasm             yes      yes                  no
 *   release-threads          lenet5.threads.wasm             yes      no                   yes
 *   release-threads-relaxed  lenet5.threads-relaxed.wasm     yes      yes                  yes
 *
 * Each build's bytes sit in a generated module of its own (scripts/embed-assets.mjs), imported here by a
 * literal `import()` only when that build is used: an app loads one build of the kernels (two with threads),
 * every bundler splits them into chunks with no configuration, and Node reads them from the package folder.
 * The .wasm files themselves ship too (package.json "exports"), for `init({ wasm })`.
 */
import { embeddedBytes, type EmbeddedFile } from '../embedded.js';

export type BuildName = 'release' | 'release-relaxed' | 'release-threads' | 'release-threads-relaxed';

/** The build with these features. */
export function buildName(opts: { relaxed: boolean; threads: boolean }): BuildName {
  if (opts.threads) return opts.relaxed ? 'release-threads-relaxed' : 'release-threads';
  return opts.relaxed ? 'release-relaxed' : 'release';
}

/** The file name of a build, as shipped in the package's build/ folder. */
export function buildFile(name: BuildName): string {
  return `lenet5${name === 'release' ? '' : `.${name.slice('release-'.length)}`}.wasm`;
}

/** A build's bytes. The import specifiers are literals so that bundlers see and split them. */
export async function buildBytes(name: BuildName): Promise<Uint8Array<ArrayBuffer>> {
  let m: EmbeddedFile;
  switch (name) {
    case 'release': m = await import('./wasm/release.generated.js'); break;
    case 'release-relaxed': m = await import('./wasm/release-relaxed.generated.js'); break;
    case 'release-threads': m = await import('./wasm/release-threads.generated.js'); break;
    case 'release-threads-relaxed': m = await import('./wasm/release-threads-relaxed.generated.js'); break;
  }
  return embeddedBytes(m);
}
