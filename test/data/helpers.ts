/** Shared test helpers for the data layer: where the shared data lives, and a tiny local HTTP server. */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared data folder: $LENET5_DATA_DIR, else <repo>/../shared/data. */
export const DATA_DIR = process.env.LENET5_DATA_DIR ?? resolve(repo, '../shared/data');
export const FASHION_DIR = join(DATA_DIR, 'fashion-mnist');
export const HAVE_FASHION = existsSync(join(FASHION_DIR, 't10k-images-idx3-ubyte.gz'));
/** Appended to the names of suites that need the shared data, so a skip says why. */
export const NEEDS_DATA = HAVE_FASHION ? '' : ` [skipped: no Fashion-MNIST at ${FASHION_DIR}; set LENET5_DATA_DIR]`;

export const ASSETS_DIR = join(repo, 'assets');

export interface TestServer {
  url: string;
  requests: { url: string; range?: string }[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (random port) whose sockets are all destroyed on close, so no test hangs. */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const requests: TestServer['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', range: req.headers.range });
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
