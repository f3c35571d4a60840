// A free loopback port, for a listener this process starts a moment later (the SDK's metrics exporter, a test's
// broker). Another process could take it in between; callers that cannot retry accept that small race.
import { createServer } from 'node:net';

/** A port on 127.0.0.1 nobody listens on now (the caller binds it a moment later). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
