// Preloaded into a service by the "telemetry off" test: appends every outbound TCP connect and
// DNS lookup the process attempts to CONNECT_RECORD_FILE, so the test can prove what it reached.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');

const file = process.env.CONNECT_RECORD_FILE;
const record = (what, target) => fs.appendFileSync(file, `${JSON.stringify({ what, target })}\n`);

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function recordedConnect(...args) {
  const first = args[0];
  const options = Array.isArray(first) ? first[0] : typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  if (!options.path) record('connect', `${options.host ?? 'localhost'}:${options.port}`);
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function recordedLookup(hostname, ...rest) {
  // Binding a server to an IP literal "looks it up" without any network traffic.
  if (!net.isIP(hostname)) record('lookup', hostname);
  return lookup.call(this, hostname, ...rest);
};
