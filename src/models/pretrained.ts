/**
 * The pretrained models shipped in the package (assets/pretrained/*.lenet5), trained by
 * `npm run pretrain` on the bundled digits with the MNIST recipe and distortions.
 *
 * Located next to the module through `import.meta.url`, so Node reads the package folder and a browser
 * (or a bundler that copies assets, such as vite) fetches the file; `url` or `bytes` override that.
 */
import { InvalidArgumentError } from '../errors.js';
import { readFileUrl } from '#read-file';

export type PretrainedName = 'modern' | 'classic';

export interface PretrainedSource {
  /** Where to fetch the model file instead of the packaged one. */
  url?: string | URL;
  /** The model file's bytes, already in hand. */
  bytes?: Uint8Array;
}

export function pretrainedUrl(name: PretrainedName): URL {
  return new URL(`../../assets/pretrained/${name}.lenet5`, import.meta.url);
}

/** The bytes of a pretrained model file. */
export async function pretrainedBytes(name: PretrainedName, source: PretrainedSource = {}): Promise<Uint8Array> {
  if (name !== 'modern' && name !== 'classic') {
    throw new InvalidArgumentError(`pretrained: unknown model '${String(name)}'; use 'modern' or 'classic'`);
  }
  if (source.bytes) return source.bytes;
  const url = source.url === undefined ? pretrainedUrl(name) : new URL(source.url, import.meta.url);
  if (url.protocol === 'file:') {
    // Node (fetch() cannot read file: URLs); `#read-file` resolves to the fs-based reader there only.
    try {
      return await readFileUrl(url);
    } catch (err) {
      throw new Error(`pretrained ${name}: cannot read ${url.pathname} (${(err as NodeJS.ErrnoException).code ?? String(err)}); ` +
        'the package is missing its assets/ folder: reinstall it', { cause: err });
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`pretrained ${name}: fetching ${url.href} failed: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
