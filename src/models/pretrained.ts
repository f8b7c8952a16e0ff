/**
 * The pretrained models shipped in the package (assets/pretrained/*.lenet5, trained by `npm run pretrain`).
 *
 * Each model file is carried by a generated module (src/models/weights/, scripts/embed-assets.mjs) that is
 * imported only when `LeNet5.pretrained(name)` asks for it: bundlers split it into a chunk of its own (an
 * app that never calls it downloads nothing), Node reads it from the package folder, and no URL has to be
 * resolved or served. `url` or `bytes` override that.
 */
import { embeddedBytes } from '../embedded.js';
import { DataNotFoundError, DownloadError, InvalidArgumentError } from '../errors.js';
import { isNode, nodeBuiltin } from '../platform/node-builtin.js';

/** The pretrained models the package carries, one per preset. */
export type PretrainedName = 'modern' | 'classic';

/** Where `LeNet5.pretrained` takes the model file from instead of the packaged copy. */
export interface PretrainedSource {
  /** Where to fetch the model file instead of the packaged one (a file: URL or path is read in Node). */
  url?: string | URL;
  /** The model file's bytes, already in hand. */
  bytes?: Uint8Array;
}

/** The bytes of a pretrained model file. */
export async function pretrainedBytes(name: PretrainedName, source: PretrainedSource = {}): Promise<Uint8Array> {
  if (name !== 'modern' && name !== 'classic') {
    throw new InvalidArgumentError(`pretrained: unknown model '${String(name)}'; use 'modern' or 'classic'`);
  }
  if (source.bytes) return source.bytes;
  if (source.url !== undefined) return fetchModel(name, source.url);
  // Literal specifiers, one per model, so that bundlers see both and make each its own chunk.
  return embeddedBytes(name === 'modern' ? await import('./weights/modern.generated.js') : await import('./weights/classic.generated.js'));
}

async function fetchModel(name: PretrainedName, where: string | URL): Promise<Uint8Array> {
  const base = (globalThis as { location?: { href: string } }).location?.href ?? import.meta.url;
  const url = new URL(where, base);
  if (url.protocol === 'file:' && isNode()) {
    // fetch() cannot read file: URLs.
    const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
    try {
      return new Uint8Array(await readFile(url));
    } catch (err) {
      throw new DataNotFoundError(`pretrained ${name}: cannot read ${url.pathname} ` +
        `(${(err as NodeJS.ErrnoException).code ?? String(err)})`, url.pathname, { cause: err });
    }
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new DownloadError(`pretrained ${name}: cannot fetch ${url.href} (${(err as Error).message})`, url.href, undefined, { cause: err });
  }
  if (!res.ok) throw new DownloadError(`pretrained ${name}: fetching ${url.href} failed: HTTP ${res.status}`, url.href, res.status);
  return new Uint8Array(await res.arrayBuffer());
}
