import { describe, expect, it } from 'vitest';
import { kafkaProperties, newClusterId, toPropertiesFile } from '../../../infra/services/kafka-config.ts';

describe('kafka server.properties', () => {
  const props = kafkaProperties({ port: 29092, controllerPort: 29093, dataDir: '/state/kafka/data' });

  it('binds broker and controller to loopback on the given ports', () => {
    expect(props.listeners).toBe('PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093');
    expect(props['advertised.listeners']).toBe('PLAINTEXT://127.0.0.1:29092');
    expect(props['controller.quorum.voters']).toBe('1@127.0.0.1:29093');
    expect(props['process.roles']).toBe('broker,controller');
  });

  it('uses single-node settings and keeps data under the state dir', () => {
    expect(props).toMatchObject({
      'log.dirs': '/state/kafka/data',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'group.initial.rebalance.delay.ms': '0',
      'num.partitions': '4',
      'auto.create.topics.enable': 'false',
    });
  });

  it('does not mix a static voter list with the --standalone bootstrap', () => {
    expect(props).not.toHaveProperty('controller.quorum.bootstrap.servers');
  });

  it('writes one key=value line per property', () => {
    const text = toPropertiesFile({ a: '1', 'b.c': 'x:y', d: 'line\nbreak' });
    expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      'a=1',
      'b.c=x:y',
      'd=line\\nbreak',
      '',
    ]);
  });

  it('makes cluster ids the way kafka-storage random-uuid does (16 bytes, base64url, no padding)', () => {
    const id = newClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(newClusterId()).not.toBe(id);
  });

  it('never makes one that starts with a dash (kafka-storage would read it as an option)', () => {
    // 0xf8 as the first byte encodes to '-' first in base64url.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x41)];
    const id = newClusterId(() => draws.shift()!);
    expect(id.startsWith('-')).toBe(false);
    expect(Buffer.from(id, 'base64url')).toEqual(Buffer.alloc(16, 0x41));
  });
});
