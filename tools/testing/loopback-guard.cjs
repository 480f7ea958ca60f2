// Preloaded into every process of the test run (NODE_OPTIONS=--require …) by run-guarded.cjs.
// The network rule for tests here: traffic goes to loopback only. This refuses any TCP/TLS
// connect to another address before a packet is sent, refuses DNS lookups of names other
// than localhost, and appends each attempt to SHIPYARD_NETGUARD_REPORT so the run fails
// even when the code under test swallows the error (as telemetry exporters do).
'use strict';
const net = require('node:net');
const dns = require('node:dns');
const fs = require('node:fs');

const report = process.env.SHIPYARD_NETGUARD_REPORT;

function isLoopback(host) {
  if (!host || host === 'localhost' || host.endsWith('.localhost')) return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (net.isIPv6(bare)) {
    if (bare === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
    return mapped ? mapped[1].startsWith('127.') : false;
  }
  return false;
}

function refuse(what, target) {
  const message = `network guard: refused ${what} to ${target} (tests may only reach loopback) [pid ${process.pid}: ${process.argv.slice(1, 3).join(' ')}]`;
  if (report) {
    try {
      fs.appendFileSync(report, `${JSON.stringify({ what, target, pid: process.pid, argv: process.argv.slice(1, 4), stack: new Error().stack })}\n`);
    } catch {
      // The report folder may be gone after the run; the thrown error still stops the connect.
    }
  }
  const error = new Error(message);
  error.code = 'ENETGUARD';
  return error;
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = args[0];
  let options;
  if (Array.isArray(first)) options = first[0];
  else if (first !== null && typeof first === 'object') options = first;
  else if (typeof first === 'string' && Number.isNaN(Number(first))) options = { path: first };
  else options = { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (!options.path && !isLoopback(options.host)) {
    const error = refuse('connect', `${options.host}:${options.port}`);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return originalConnect.apply(this, args);
};

function guardLookup(original) {
  return function guardedLookup(hostname, ...rest) {
    if (isLoopback(hostname)) return original.call(this, hostname, ...rest);
    const callback = rest.find((a) => typeof a === 'function');
    const error = refuse('DNS lookup', hostname);
    if (callback) process.nextTick(() => callback(error));
    else return Promise.reject(error);
  };
}
dns.lookup = guardLookup(dns.lookup);
dns.promises.lookup = guardLookup(dns.promises.lookup);
for (const method of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveTxt', 'resolveSrv']) {
  for (const target of [dns, dns.promises, dns.Resolver.prototype, dns.promises.Resolver.prototype]) {
    if (typeof target[method] === 'function') target[method] = guardLookup(target[method]);
  }
}

module.exports = { isLoopback };
