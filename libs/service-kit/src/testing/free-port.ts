import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago: for tests that must name one (the kit rejects PORT=0, and HEALTH_PORT must differ from PORT). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
