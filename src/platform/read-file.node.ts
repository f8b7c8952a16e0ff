/** Reading a file: URL in Node (fetch() cannot read file: URLs). */
import { readFile } from 'node:fs/promises';

export async function readFileUrl(url: URL): Promise<Uint8Array> {
  return new Uint8Array(await readFile(url));
}
