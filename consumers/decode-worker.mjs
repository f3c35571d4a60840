// A decode worker thread (decode-pool.ts): decodes one message at a time, as decodeMessage does inline, so that the
// pool can stop a message that overruns its time budget by terminating the thread, which no synchronous JS can do
// from the inside. Plain JS: a worker thread starts without the tsx loader its parent may have.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { decodeMessage } = await import('./decode-message.ts');

parentPort.on('message', (task) => {
  const started = performance.now();
  const overBudget = () => performance.now() - started > task.limits.budgetMs;
  const value = task.value
    ? Buffer.from(task.value.buffer, task.value.byteOffset, task.value.byteLength)
    : null;
  // decodeMessage never throws; the guard is for a bug in it, so the pool is answered whatever happens.
  let decoded;
  try {
    decoded = decodeMessage(
      value,
      task.format,
      task.fingerprintKey,
      task.limits,
      task.reportedAt,
      overBudget,
    );
  } catch (error) {
    decoded = {
      ok: false,
      reason: `decoding failed in a worker: ${error?.name ?? 'error'}`,
      hostile: 'exception',
    };
  }
  parentPort.postMessage({ id: task.id, decoded });
});
// Warm before the first real message: a cold thread's first decode compiles the code paths it takes (every
// adapter's detection, JSON lines, the structure check), and that time is not the message's to pay from its budget.
const notable = JSON.stringify({
  result: {
    _time: '2026-01-01T00:00:00Z',
    _raw: 'search_name="warm-up", user="arn:aws:iam::123456789012:user/w"',
  },
});
const samples = [
  notable,
  `${notable}\n${notable}\n{"broken"`,
  JSON.stringify({ unknown: 'shape', list: [1, 'two', { three: 3 }] }),
  `{"a":${'['.repeat(100)}${']'.repeat(100)}}`,
  JSON.stringify({ Findings: [{ SchemaVersion: '2018-10-08', Id: 'w' }] }),
];
for (let i = 0; i < 20; i++)
  for (const sample of samples)
    decodeMessage(Buffer.from(sample), undefined, 'warm-up-key-warm-up-key-warm-up!');
parentPort.postMessage({ ready: true });
