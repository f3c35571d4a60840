// `nhi dlq list|replay [--dry-run] [--since T] [--topic T] [--json]`: what is in the dead-letter topic, and
// re-driving it to the topics it came from once the cause is fixed.
import { topics } from '../../infra/endpoints.ts';
import { fingerprintKeyFromEnv } from '../../schemas/redaction.ts';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';

const usage = `usage: nhi dlq list [--since T] [--topic T] [--json]
       nhi dlq replay [--dry-run] [--since T] [--topic T] [--json]

list     every dead letter: when, why, from which topic and offset, which record of the message, whether
         its value is kept in clear, sealed (it may hold a secret) or not kept (too large), and its last
         replay (when, and whether it was sent or left, and why).
replay   puts each dead letter back on its source topic as it first arrived (original key, timestamp and
         headers; a sealed value opened with the DLQ key), if it now normalises under the caps in force (the
         policy's limits, NHI_MAX_* over them, the time budget); one that still fails, or would be
         dead-lettered again by a cap, is reported with the setting to raise and left. Each replay is recorded
         in the dead-letter topic (nhi dlq list shows it). Replaying twice is harmless: finding ids are stable
         and identities drop repeats.

  --since T    only dead letters dead-lettered at or after T (ISO 8601, e.g. 2026-11-30T00:00:00Z)
  --dry-run    replay: say what would be sent (and how many findings each holds), send and record nothing
  --topic T    the dead-letter topic (default ${topics.dlq})
  --json       one JSON object per dead letter on stdout

The DLQ key is NHI_DLQ_KEY, or one derived from NHI_FINGERPRINT_KEY when unset: the same setting as the
pipeline that sealed the values.

examples:
  nhi dlq list --since 2026-11-30T00:00:00Z
  nhi dlq replay --dry-run
next: fix what the reasons name (or upgrade the normaliser), then nhi dlq replay`;

function parseSince(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t))
    throw new UsageError(`--since must be an ISO 8601 time, got '${value}'`);
  return t;
}

function parseDlqArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    since: { type: 'string' },
    'dry-run': { type: 'boolean' },
    topic: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [action, ...extra] = positionals;
  if (action !== 'list' && action !== 'replay')
    throw new UsageError(action ? `unknown action '${action}' (list or replay)` : 'say list or replay');
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  if (action === 'list' && values['dry-run']) throw new UsageError('--dry-run is for replay');
  return { values, action, since: parseSince(values.since) };
}

export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'list dead letters, or replay them to their source topics',
  usage,
  parse: parseDlqArgs,
  async run(argv, io) {
    const { values, action, since } = parseDlqArgs(argv);
    const dlqTopic = values.topic ?? topics.dlq;

    const { kafka } = await import('../../runtime/connections.ts');
    const { readToEnd } = await import('../../consumers/dlq-reader.ts');
    const { deadLettersSince, viewOf, replayOf } = await import('../../consumers/dlq-replay.ts');
    const { isReplayRecord, latestReplays, replayOfLetter, replayRecordMessage } = await import(
      '../../consumers/dlq-replay-record.ts'
    );
    const { dlqKey } = await import('../../consumers/dlq-seal.ts');
    const broker = kafka('nhi-dlq');
    let read: Awaited<ReturnType<typeof readToEnd>>;
    try {
      read = await readToEnd(broker, dlqTopic);
    } catch (error) {
      throw new CommandError(`kafka: ${(error as Error).message} — is the stack up? (nhi stack up)`);
    }
    const replays = latestReplays(read);
    const chosen = deadLettersSince(
      read.filter(({ message }) => !isReplayRecord(message)),
      since,
    );

    if (action === 'list') {
      for (const { partition, message } of chosen) {
        const v = viewOf(partition, message);
        const last = replayOfLetter(replays, partition, message.offset);
        if (values.json)
          io.out(
            JSON.stringify({
              ...v,
              ...(last ? { lastReplay: { at: last.at, sent: last.sent, outcome: last.outcome } } : {}),
            }),
          );
        else {
          const where = `${v.sourceTopic ?? '?'}@${v.sourceOffset ?? '?'}${v.record ? ` record ${v.record.index} of line ${v.record.line}` : ''}`;
          const kept = v.sealed ? 'sealed' : v.withheld ? 'not kept' : 'clear';
          const replayed = last
            ? `  [${last.sent ? 'replayed' : 'replay left it'} ${last.at}: ${last.outcome}]`
            : '';
          io.out(
            `${v.partition}/${v.offset}  ${v.deadLetteredAt ?? '?'}  ${where}  [${kept}]  ${v.reason ?? ''}${replayed}`,
          );
        }
      }
      io.err(
        `${chosen.length} dead letter(s) in ${dlqTopic}${since !== undefined ? ` since ${values.since}` : ''}`,
      );
      return 0;
    }

    const key = dlqKey();
    const fingerprintKey = fingerprintKeyFromEnv();
    const { consumerLimits } = await import('../consumer-limits.ts');
    const limits = consumerLimits((line) => io.err(`nhi dlq: ${line}`));
    const plans = chosen.map(({ partition, message }) => ({
      view: viewOf(partition, message),
      replay: replayOf(dlqTopic, partition, message, key, fingerprintKey, limits),
    }));
    const ready = plans.filter((p) => p.replay.ok);
    if (!values['dry-run'] && plans.length) {
      const producer = broker.producer({ idempotent: true });
      await producer.connect();
      try {
        for (const p of ready) {
          if (!p.replay.ok) continue;
          await producer.send({ topic: p.replay.topic, acks: -1, messages: [p.replay.message] });
        }
        // Recorded after the sends: a crash between them leaves a letter unmarked, never marked but unsent.
        const at = new Date().toISOString();
        await producer.send({
          topic: dlqTopic,
          acks: -1,
          messages: plans.map(({ view, replay }) =>
            replayRecordMessage({
              partition: view.partition,
              offset: view.offset,
              at,
              sent: replay.ok,
              outcome: (replay.ok
                ? `sent to ${replay.topic} (${replay.findings} finding(s))`
                : `left: ${replay.reason}`
              ).slice(0, 600),
            }),
          ),
        });
      } finally {
        await producer.disconnect();
      }
    }
    const verb = values['dry-run'] ? 'would replay' : 'replayed';
    for (const { view, replay } of plans) {
      const entry = {
        partition: view.partition,
        offset: view.offset,
        sourceTopic: view.sourceTopic,
        ...(replay.ok
          ? { action: verb, findings: replay.findings }
          : { action: 'skipped', reason: replay.reason }),
      };
      if (values.json) io.out(JSON.stringify(entry));
      else
        io.out(
          `${view.partition}/${view.offset}  ${replay.ok ? `${verb} → ${replay.topic} (${replay.findings} finding(s))` : `skipped: ${replay.reason}`}`,
        );
    }
    io.err(
      `${ready.length} of ${plans.length} dead letter(s) ${verb}; ${plans.length - ready.length} skipped`,
    );
    return 0;
  },
};
