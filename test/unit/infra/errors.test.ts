import { describe, expect, it } from 'vitest';
import { formatStackError, oneLine, StackError } from '../../../infra/errors.ts';
import { failureLine } from '../../../infra/exec.ts';
import { lastMeaningfulLine } from '../../../infra/process/log-tail.ts';

describe('stack error messages', () => {
  it('name the service, the reason and the fix on one line', () => {
    const error = new StackError(
      'temporal',
      'port 17233 is already in use by another process',
      'stop it or set NHI_TEMPORAL_PORT',
    );
    expect(error.message).toBe(
      'temporal: port 17233 is already in use by another process — stop it or set NHI_TEMPORAL_PORT',
    );
    expect(formatStackError('kafka', 'java not found on PATH', 'install Java 17')).toBe(
      'kafka: java not found on PATH — install Java 17',
    );
  });

  it('flatten multi-line tool output and cap its length', () => {
    expect(formatStackError('moto', 'boom\n  at x\n\tmore')).toBe('moto: boom at x more');
    const long = oneLine('x'.repeat(500));
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
  });

  it('pick the ERROR line from mvn/pip output, else the last line', () => {
    const mvn =
      '[INFO] Scanning\n[ERROR] Failed to execute goal: Could not resolve dependencies\n[ERROR] \n[ERROR] -> [Help 1]\n';
    expect(failureLine(mvn)).toBe('[ERROR] Failed to execute goal: Could not resolve dependencies');
    expect(failureLine('Collecting moto\nERROR: No matching distribution found for moto==9\n')).toBe(
      'ERROR: No matching distribution found for moto==9',
    );
    expect(failureLine('go: downloading x\ngo: build failed: no space left\n')).toBe(
      'go: build failed: no space left',
    );
    expect(failureLine('')).toBe('(no output)');
  });

  it('quote the last log line that says what happened, not a stack frame', () => {
    const log =
      'INFO starting\nERROR Exiting Kafka due to fatal exception\njava.lang.RuntimeException: bad\n\tat kafka.Kafka.main(Kafka.scala:1)\n\t... 3 more\n';
    expect(lastMeaningfulLine(log)).toBe('java.lang.RuntimeException: bad');
  });
});
