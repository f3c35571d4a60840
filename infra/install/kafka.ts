// Kafka broker+controller jars (KRaft) from Maven Central: kafka_2.13 holds kafka.Kafka and StorageTool.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../exec.ts';
import type { Log } from '../log.ts';
import { versions } from '../versions.ts';
import { installAtomically } from './atomic.ts';
import { copyDependencies } from './maven.ts';
import { kafkaHome } from './paths.ts';

const coreJar = `kafka_${versions.scala}-${versions.kafka}.jar`;

export function kafkaInstalled(dir: string): boolean {
  const libs = join(dir, 'libs');
  return existsSync(join(libs, coreJar)) && readdirSync(libs).some((f) => f.startsWith('slf4j-simple-'));
}

export async function installKafka(log: Log): Promise<number> {
  return installAtomically({
    service: 'kafka',
    target: kafkaHome(),
    isComplete: kafkaInstalled,
    log,
    fix: 'check that Maven Central is reachable (mvn settings: ~/.m2/settings.xml)',
    build: async (tmp) => {
      requireTool('kafka', 'java', 'install Java 17');
      requireTool('kafka', 'mvn', 'install Maven 3.8+');
      log(`kafka: downloading Kafka ${versions.kafka} jars from Maven Central (first run only)`);
      await copyDependencies(
        [
          { groupId: 'org.apache.kafka', artifactId: `kafka_${versions.scala}`, version: versions.kafka },
          // Kafka ships no logging backend; slf4j-simple writes to stderr, which goes to kafka.log.
          { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: versions.slf4j },
        ],
        tmp,
        join(tmp, 'libs'),
      );
    },
  });
}
