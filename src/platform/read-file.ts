/**
 * Reading a file: URL, browser version. Browsers have no file: URLs to read; package assets are fetched
 * over http(s) instead. Node resolves `#read-file` to read-file.node.ts through package.json `imports`.
 */
export async function readFileUrl(url: URL): Promise<Uint8Array> {
  throw new Error(`cannot read ${url.href} here: serve the file over http(s) and pass its URL, or pass its bytes`);
}
