// Kafka: single-node KRaft on loopback, storage formatted once, topics created once healthy.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { localPorts } from '../endpoints.ts';
import { requireTool, run } from '../exec.ts';
import { installKafka } from '../install/kafka.ts';
import { kafkaLibs } from '../install/paths.ts';
import { ensureTopics } from '../topics.ts';
import { kafkaProperties, newClusterId, toPropertiesFile } from './kafka-config.ts';
import type { Service } from './service.ts';

const propertiesPath = (dir: string) => join(dir, 'kafka', 'server.properties');
const dataDir = (dir: string) => join(dir, 'kafka', 'data');

/** retries 0 for probes (fail fast); more for admin work right after startup. */
export function kafkaClient(port: number, retries = 0): Kafka {
  return new Kafka({
    clientId: 'nhi-stack',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING, // a probe that fails while Kafka starts is expected, not news
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries },
  });
}

export function kafkaService(): Service {
  const { kafka: port, kafkaController: controllerPort } = localPorts();
  return {
    name: 'kafka',
    port,
    ports: [
      { port, env: 'NHI_KAFKA_PORT' },
      { port: controllerPort, env: 'NHI_KAFKA_CONTROLLER_PORT' },
    ],
    startTimeoutMs: 120_000,
    install: installKafka,
    requireTools: () => requireTool('kafka', 'java', 'install Java 17'),
    process: (dir) => ({
      service: 'kafka',
      command: 'java',
      args: [
        '-Xmx512m',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        '-Dorg.slf4j.simpleLogger.showDateTime=true',
        '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
        '-cp',
        `${kafkaLibs()}/*`,
        'kafka.Kafka',
        propertiesPath(dir),
      ],
      expect: ['kafka.Kafka', propertiesPath(dir)],
    }),
    prepare: async (dir, log) => {
      mkdirSync(dataDir(dir), { recursive: true });
      writeFileSync(
        propertiesPath(dir),
        toPropertiesFile(kafkaProperties({ port, controllerPort, dataDir: dataDir(dir) })),
      );
      if (existsSync(join(dataDir(dir), 'meta.properties'))) return;
      log('kafka: formatting storage (first start only)');
      await run('java', [
        '-cp',
        `${kafkaLibs()}/*`,
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        newClusterId(),
        '--config',
        propertiesPath(dir),
        '--ignore-formatted',
      ]);
    },
    probe: async () => {
      const admin = kafkaClient(port).admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0;
      } catch {
        return false;
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    ready: async (_dir, _fresh, log) => {
      const created = await ensureTopics(kafkaClient(port, 5));
      if (created.length > 0) log(`kafka: created topics ${created.join(', ')}`);
    },
  };
}
