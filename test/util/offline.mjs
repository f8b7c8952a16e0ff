/**
 * A preload that takes a Node process offline: every TCP connection to a host other than loopback is
 * refused (ECONNREFUSED, as a machine without network would answer), and the attempt is written to
 * stderr as one `[offline] refused ...` line. Loopback (the tests' own HTTP servers) and Unix sockets
 * still work.
 *
 *   NODE_OPTIONS="--import=$PWD/test/util/offline.mjs" npm test
 *
 * It patches net.Socket's connect, which every client in Node goes through: `fetch` (undici, which the
 * dataset loaders use), http/https, tls and net alike. Children inherit it through NODE_OPTIONS.
 */
import net from 'node:net';

const connect = net.Socket.prototype.connect;

/** IPv4 127/8, IPv6 ::1 (bare, bracketed or v4-mapped), and the name localhost. */
export function isLoopback(host) {
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}

net.Socket.prototype.connect = function offlineConnect(...args) {
  // connect(options | [options, cb] (Node's normalized form) | port, host | path, cb)
  let first = args[0];
  if (Array.isArray(first)) first = first[0];
  let host;
  let port;
  if (first !== null && typeof first === 'object') {
    if (first.path) return connect.apply(this, args); // a Unix socket (net's own test: a truthy path)
    host = first.host;
    port = first.port;
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    port = first;
    host = typeof args[1] === 'string' ? args[1] : undefined;
  } else {
    return connect.apply(this, args); // a Unix socket path
  }
  if (host === undefined || host === '' || isLoopback(host)) return connect.apply(this, args);
  process.stderr.write(`[offline] refused a connection to ${host}:${port} (pid ${process.pid})\n`);
  const err = Object.assign(new Error(`connect ECONNREFUSED ${host}:${port} (refused by test/util/offline.mjs)`), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
    address: host,
    port,
  });
  this.connecting = true;
  process.nextTick(() => this.destroy(err));
  return this;
};
