// Fetch jars (with their runtime dependencies) from Maven Central via a generated, throwaway pom.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../exec.ts';

export interface Artifact {
  groupId: string;
  artifactId: string;
  version: string;
}

// Pinned so a fresh machine does not resolve whatever ancient default Maven 3.8 ships with.
const dependencyPlugin = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export function pomXml(artifacts: Artifact[]): string {
  const deps = artifacts
    .map(
      (a) =>
        `    <dependency><groupId>${a.groupId}</groupId><artifactId>${a.artifactId}</artifactId><version>${a.version}</version></dependency>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.nhi-enforce</groupId>
  <artifactId>jars</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/** Writes pom.xml into workDir and copies every runtime jar into outDir. */
export async function copyDependencies(
  artifacts: Artifact[],
  workDir: string,
  outDir: string,
): Promise<void> {
  const pom = join(workDir, 'pom.xml');
  writeFileSync(pom, pomXml(artifacts));
  await run('mvn', [
    '-q',
    '-B',
    '-f',
    pom,
    `${dependencyPlugin}:copy-dependencies`,
    `-DoutputDirectory=${outDir}`,
    '-DincludeScope=runtime',
  ]);
}
