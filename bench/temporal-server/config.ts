// The Temporal server's static config for the scale-path bench: PostgreSQL for both stores, N history shards, all
// four services in one process, every listener on 127.0.0.1 from one base port. Rendered as JSON, which is YAML.
import { DYNAMIC_CONFIG } from '../../infra/services/temporal.ts';

export interface ServerConfigInput {
  /** Frontend gRPC port (what clients dial); the other services take the ports after it. */
  port: number;
  shards: number;
  postgres: { port: number; user: string; password: string };
  dynamicConfigFile: string;
}

/** The ports the server listens on, in the order they are taken from the base port. */
export function serverPorts(port: number) {
  return {
    frontend: port,
    frontendHttp: port + 1,
    history: port + 2,
    matching: port + 3,
    worker: port + 4,
    frontendMembership: port + 5,
    historyMembership: port + 6,
    matchingMembership: port + 7,
    workerMembership: port + 8,
  };
}

export function serverConfig({ port, shards, postgres, dynamicConfigFile }: ServerConfigInput): string {
  const ports = serverPorts(port);
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort ? { httpPort } : {}) },
  });
  return JSON.stringify(
    {
      log: { stdout: true, level: 'warn' },
      persistence: {
        defaultStore: 'postgres-default',
        visibilityStore: 'postgres-visibility',
        numHistoryShards: shards,
        datastores: {
          'postgres-default': store('temporal', 20),
          'postgres-visibility': store('temporal_visibility', 10),
        },
      },
      global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
      services: {
        frontend: service(ports.frontend, ports.frontendMembership, ports.frontendHttp),
        history: service(ports.history, ports.historyMembership),
        matching: service(ports.matching, ports.matchingMembership),
        worker: service(ports.worker, ports.workerMembership),
      },
      clusterMetadata: {
        enableGlobalNamespace: false,
        failoverVersionIncrement: 10,
        masterClusterName: 'active',
        currentClusterName: 'active',
        clusterInformation: {
          active: {
            enabled: true,
            initialFailoverVersion: 1,
            rpcName: 'frontend',
            rpcAddress: `127.0.0.1:${port}`,
          },
        },
      },
      dcRedirectionPolicy: { policy: 'noop' },
      dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
    },
    null,
    2,
  );
}

/**
 * Dynamic config: the local dev server's (DYNAMIC_CONFIG), so the two compare like for like; search attributes are
 * read fresh so the ones registered at start are usable at once.
 */
export const dynamicConfig = Object.entries({
  ...DYNAMIC_CONFIG,
  'system.forceSearchAttributesCacheRefreshOnRead': true,
})
  .map(([key, value]) => `${key}:\n  - value: ${JSON.stringify(value)}\n`)
  .join('');
