import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { portInUse } from '../../../infra/ports.ts';

const listen = (host: string) =>
  new Promise<Server>((resolve) => {
    const server = createServer();
    server.listen(0, host, () => resolve(server));
  });
const portOf = (server: Server) => (server.address() as { port: number }).port;
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe('portInUse', () => {
  it('sees a port taken on loopback, and free again once released', async () => {
    const server = await listen('127.0.0.1');
    const port = portOf(server);
    expect(await portInUse(port)).toBe(true);
    await close(server);
    expect(await portInUse(port)).toBe(false);
  });

  it('sees a port taken on all interfaces, which blocks loopback too', async () => {
    const server = await listen('0.0.0.0');
    try {
      expect(await portInUse(portOf(server))).toBe(true);
    } finally {
      await close(server);
    }
  });
});
