// The scale-path server's config (bench/temporal-server/config.ts): the shard count and PostgreSQL given, every
// listener on 127.0.0.1 from the one base port with none shared, and the arguments of `nhi bench temporal-server`
// refused in one line before anything is installed or started.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dynamicConfig, serverConfig, serverPorts } from '../../../bench/temporal-server/config.ts';
import { main } from '../../../cli/main.ts';

const input = {
  port: 27_233,
  shards: 8,
  postgres: { port: 27_432, user: 'postgres', password: 'pw' },
  dynamicConfigFile: '/tmp/dc.yaml',
};

describe('scale-path server config', () => {
  const config = parse(serverConfig(input));

  it('stores both history and visibility in the given PostgreSQL, with the shard count asked for', () => {
    expect(config.persistence.numHistoryShards).toBe(8);
    for (const name of ['postgres-default', 'postgres-visibility']) {
      const sql = config.persistence.datastores[name].sql;
      expect(sql).toMatchObject({
        pluginName: 'postgres12',
        connectAddr: '127.0.0.1:27432',
        user: 'postgres',
      });
    }
    expect(config.persistence.datastores['postgres-visibility'].sql.databaseName).toBe('temporal_visibility');
    expect(config.dynamicConfigClient.filepath).toBe('/tmp/dc.yaml');
  });

  it('runs the priority matcher, as the local dev server does (urgent enforcement goes first)', () => {
    expect(parse(dynamicConfig)['matching.useNewMatcher']).toEqual([{ value: true }]);
  });

  it('listens on 127.0.0.1 only, on distinct ports from the base, clients dialling the frontend', () => {
    const ports = Object.values(serverPorts(27_233));
    expect(new Set(ports).size).toBe(ports.length);
    expect(Math.min(...ports)).toBe(27_233);
    for (const service of Object.values(config.services) as Array<{ rpc: Record<string, unknown> }>) {
      expect(service.rpc.bindOnLocalHost).toBe(true);
      expect(ports).toContain(service.rpc.grpcPort);
      expect(ports).toContain(service.rpc.membershipPort);
    }
    expect(config.services.frontend.rpc.grpcPort).toBe(27_233);
    expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:27233');
  });
});

describe('nhi bench temporal-server arguments', () => {
  it.each([
    [['--shards', '0'], /--shards must be a positive whole number, got '0'/],
    [['--shards', 'many'], /--shards must be a positive whole number/],
    [['--port', '65530'], /--port and --postgres-port must be below 65527/],
  ])('%j exits 2 with one line', async (args, message) => {
    const err: string[] = [];
    const code = await main(['bench', 'temporal-server', ...args], {
      out: () => {},
      err: (l) => err.push(l),
    });
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });
});
