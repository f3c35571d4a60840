import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/command.ts';
import { stackCommand } from '../../../cli/commands/stack.ts';

const io = { out: () => {}, err: () => {} };

describe('nhi stack', () => {
  it('documents every variable it reads and where the logs are', () => {
    for (const name of [
      'NHI_CACHE_DIR',
      'NHI_STATE_DIR',
      'NHI_KAFKA_PORT',
      'NHI_KAFKA_CONTROLLER_PORT',
      'NHI_TEMPORAL_PORT',
      'NHI_MOTO_PORT',
    ]) {
      expect(stackCommand.usage).toContain(name);
    }
    expect(stackCommand.usage).toMatch(/kafka\.log/);
  });

  it('rejects a missing or unknown action as a usage error', async () => {
    await expect(stackCommand.run([], io)).rejects.toBeInstanceOf(UsageError);
    await expect(stackCommand.run(['restart'], io)).rejects.toBeInstanceOf(UsageError);
    await expect(stackCommand.run(['up', 'now'], io)).rejects.toBeInstanceOf(UsageError);
  });
});
