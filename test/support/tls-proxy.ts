// A TLS terminator in front of a plaintext TCP service: what a TLS-fronted Temporal (a load balancer, an ingress)
// looks like to a client. gRPC is HTTP/2 over the TLS stream, so bytes pass through unchanged; with `requestCert`
// it demands a client certificate signed by the CA (mutual TLS).
import { connect as tcpConnect } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';

export interface TlsProxy {
  address: string;
  /** Handshakes completed, and the subject CN of each client certificate presented. */
  handshakes: Array<{ clientCn?: string }>;
  /** Handshakes that failed, with the reason this side saw (no client certificate, the client's alert). */
  refused: string[];
  close(): Promise<void>;
}

export async function startTlsProxy(opts: {
  target: { host: string; port: number };
  cert: Buffer;
  key: Buffer;
  /** Set for mutual TLS: client certificates must chain to it. */
  clientCa?: Buffer;
}): Promise<TlsProxy> {
  const handshakes: TlsProxy['handshakes'] = [];
  const refused: string[] = [];
  const sockets = new Set<TLSSocket>();
  const server = createServer(
    {
      cert: opts.cert,
      key: opts.key,
      ALPNProtocols: ['h2'],
      ...(opts.clientCa ? { ca: opts.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (socket) => {
      sockets.add(socket);
      const peer = socket.getPeerCertificate();
      handshakes.push(peer?.subject?.CN ? { clientCn: String(peer.subject.CN) } : {});
      const upstream = tcpConnect(opts.target);
      socket.pipe(upstream).pipe(socket);
      const end = () => {
        socket.destroy();
        upstream.destroy();
        sockets.delete(socket);
      };
      socket.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    },
  );
  server.on('tlsClientError', (error) => refused.push(error.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    handshakes,
    refused,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
