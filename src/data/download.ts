/**
 * Downloading with no hang and no silent partial file: a GET streamed chunk by chunk with timeouts on the
 * connection, the headers and every chunk, and a loop over mirrors that tries the next on any failure and
 * reports, when all fail, whether the machine looked offline. Used by the MNIST loaders (mnist.ts over fetch,
 * mnist.node.ts with a resumable on-disk cache).
 */
import { DownloadError, DownloadTimeoutError, Lenet5Error } from '../errors.js';

/** How long a connection, the headers or a chunk may take before the download fails (ms). */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface FetchOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Called once the status is known, before any chunk (a Range-aware caller picks append or restart here). */
  onResponse?: (status: number, headers: Headers) => void | Promise<void>;
  /** Called for each chunk with the bytes so far and the expected total (null: unknown). */
  onProgress?: (loaded: number, total: number | null) => void;
}

export interface FetchResult {
  status: number;
  /** Content-Length of this response, or null. */
  length: number | null;
  headers: Headers;
}

/**
 * GETs `url` and feeds the body to `sink` chunk by chunk. A connection, a header wait or a body that
 * delivers nothing for `timeoutMs` fails with DownloadTimeoutError; HTTP errors, network errors and bodies shorter
 * than their Content-Length fail with DownloadError. Nothing is retried here: callers pick the next mirror.
 */
export async function fetchToSink(
  url: string,
  sink: (chunk: Uint8Array) => void | Promise<void>,
  options: FetchOptions = {},
): Promise<FetchResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const f = options.fetch ?? globalThis.fetch;
  if (typeof f !== 'function') throw new DownloadError(`${url}: no fetch() in this JavaScript engine`, url);
  const ctl = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, timeoutMs);
  };
  const onAbort = (): void => ctl.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const fail = (err: unknown, stage: string): never => {
    if (err instanceof Lenet5Error) throw err;
    if (timedOut) {
      throw new DownloadTimeoutError(`${url}: no data for ${timeoutMs} ms ${stage}; the server stalled (raise timeoutMs, or try another mirror)`, url, {
        cause: err,
      });
    }
    if (options.signal?.aborted) throw options.signal.reason ?? err;
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
    throw new DownloadError(`${url}: network error ${stage} (${detail})`, url, undefined, {
      cause: err,
      unreachable: stage === 'while connecting',
    });
  };
  arm();
  try {
    if (options.signal?.aborted) throw options.signal.reason;
    let res: Response;
    try {
      res = await f(url, { signal: ctl.signal, headers: options.headers });
    } catch (err) {
      return fail(err, 'while connecting');
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new DownloadError(`${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, url, res.status);
    }
    const lenHeader = res.headers.get('content-length');
    const encoded = res.headers.get('content-encoding');
    // With a content-encoding the header counts encoded bytes while we see decoded ones: don't compare.
    const length = lenHeader !== null && !encoded && /^\d+$/.test(lenHeader) ? Number(lenHeader) : null;
    let loaded = 0;
    await options.onResponse?.(res.status, res.headers);
    if (res.body) {
      const reader = res.body.getReader();
      try {
        for (;;) {
          arm();
          const { done, value } = await reader.read();
          if (done) break;
          loaded += value.length;
          await sink(value);
          options.onProgress?.(loaded, length);
        }
      } catch (err) {
        reader.cancel().catch(() => {});
        return fail(err, `after ${loaded} bytes`);
      }
    }
    if (length !== null && loaded !== length) {
      throw new DownloadError(`${url}: the response ended after ${loaded} of ${length} bytes (connection cut)`, url, res.status);
    }
    return { status: res.status, length, headers: res.headers };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Tries `attempt` on each mirror in turn; on total failure throws one DownloadError listing every reason. */
export async function tryMirrors<T>(
  mirrors: readonly string[],
  file: string,
  what: string,
  attempt: (url: string) => Promise<T>,
  hint: string,
): Promise<T> {
  const reasons: string[] = [];
  let last: unknown;
  let allUnreachable = true;
  let allTimeouts = true;
  for (const base of mirrors) {
    const url = new URL(file, base).href;
    try {
      return await attempt(url);
    } catch (err) {
      if (!(err instanceof Lenet5Error)) throw err; // aborts and bugs are not a mirror's fault
      last = err;
      reasons.push(`  - ${err.message}`);
      if (!(err instanceof DownloadError && err.unreachable)) allUnreachable = false;
      if (!(err instanceof DownloadTimeoutError)) allTimeouts = false;
    }
  }
  const offline = allUnreachable ? 'No mirror could be reached: this machine looks offline. ' : '';
  throw new DownloadError(`${what}: could not get ${file} from any mirror:\n${reasons.join('\n')}\n${offline}${hint}`, undefined, undefined, {
    cause: last,
    code: allTimeouts ? 'E_TIMEOUT' : 'E_DOWNLOAD',
    unreachable: allUnreachable,
  });
}
