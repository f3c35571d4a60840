// Temporal's Java time-skipping test server from Maven Central, plus a wrapper the TS SDK can exec.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../exec.ts';
import type { Log } from '../log.ts';
import { versions } from '../versions.ts';
import { installAtomically } from './atomic.ts';
import { copyDependencies } from './maven.ts';
import { testServerHome } from './paths.ts';

const script = 'temporal-test-server';
const mainJar = `temporal-test-server-${versions.temporalTestServer}.jar`;
const loggerJar = `slf4j-simple-${versions.slf4j}.jar`; // else SLF4J complains on every start

// Relative to the script's own directory so the install survives its atomic rename.
const wrapper = `#!/bin/sh
# Temporal time-skipping test server ${versions.temporalTestServer}; first argument is the port.
here=$(cd "$(dirname "$0")" && pwd)
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$here/libs/*" io.temporal.testserver.TestServer "$@"
`;

export function testServerInstalled(dir: string): boolean {
  const libs = join(dir, 'libs');
  return (
    existsSync(join(dir, script)) && existsSync(join(libs, mainJar)) && existsSync(join(libs, loggerJar))
  );
}

export async function installTemporalTestServer(log: Log): Promise<number> {
  return installAtomically({
    service: 'temporal-test-server',
    target: testServerHome(),
    isComplete: testServerInstalled,
    log,
    fix: 'check that Maven Central is reachable (mvn settings: ~/.m2/settings.xml)',
    build: async (tmp) => {
      requireTool('temporal-test-server', 'java', 'install Java 17');
      requireTool('temporal-test-server', 'mvn', 'install Maven 3.8+');
      log(
        `temporal-test-server: downloading ${versions.temporalTestServer} jars from Maven Central (first run only)`,
      );
      await copyDependencies(
        [
          {
            groupId: 'io.temporal',
            artifactId: 'temporal-test-server',
            version: versions.temporalTestServer,
          },
          { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: versions.slf4j },
        ],
        tmp,
        join(tmp, 'libs'),
      );
      writeFileSync(join(tmp, script), wrapper);
      chmodSync(join(tmp, script), 0o755);
    },
  });
}
