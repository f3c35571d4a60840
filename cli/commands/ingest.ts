// `nhi ingest FILE… [--topic T] [--format F]`: publish tools' output to the findings topics, one message per record.
import { FORMATS } from '../../schemas/finding.ts';
import { fingerprintKeyFromEnv } from '../../schemas/redaction.ts';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import { parseFormat, readInputFile } from './normalize.ts';

const usage = `usage: nhi ingest FILE… [--topic T] [--format F] [--json]
       nhi ingest --rescan SCOPE --format F FILE [--topic T] [--json]

Publishes each record of the files to Kafka as one message, keyed by the identity it names (so one identity's
findings keep their order), with the format in a 'format' header. Records that fail the local check are sent
too (a line that is not UTF-8 as its exact bytes): the consumer puts them in findings.dlq with the reason, so
nothing is lost silently. A record larger than a message may be (1 MB) is not sent: it is named (file, line,
record) on stderr, its neighbours are published, and the exit status is 1. A record that names no identity (a
SIEM incident without entities) is published and counted in the summary: no identity workflow will hold it, and
the consumer reports each as an ingest.no-identity event on enforcement.events.

  --topic T    findings topic (default: by format — scanners → findings.scanner, SIEM → findings.siem,
               posture → findings.cspm)
  --format F   auto (default) or one of: ${FORMATS.join(', ')}
  --rescan S   FILE is the tool's complete result for scope S (a repository or path): it is sent whole as one
               message with the header nhi-rescan-scope, and every secret the previous complete result of that
               tool for S named that this one does not is closed as resolved. Needs --format (the tool) and
               one FILE of at most 1 MB.
  --json       print the summary as JSON

examples:
  nhi ingest gitleaks-report.json
  nhi ingest --rescan github.com/acme/api --format gitleaks gitleaks-report.json
next: nhi run processes what was published; nhi identities shows the result`;

const SEND_BATCH = 500;

/** Under the broker's default message limit (1,048,588 bytes with key and headers) and the consumer's 1 MiB. */
const MAX_RECORD_BYTES = 1_000_000;

function parseIngestArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    topic: { type: 'string' },
    format: { type: 'string', short: 'f' },
    json: { type: 'boolean' },
    rescan: { type: 'string' },
  });
  if (positionals.length === 0) throw new UsageError('no input file given');
  const format = parseFormat(values.format);
  if (values.rescan !== undefined) {
    if (!values.rescan.trim() || values.rescan.length > 500)
      throw new UsageError('--rescan needs a scope of 1 to 500 characters');
    if (format === 'auto')
      throw new UsageError('--rescan needs --format (the tool whose complete result it is)');
    if (positionals.length !== 1)
      throw new UsageError('--rescan takes exactly one FILE (the complete result)');
  }
  return { values, positionals, format };
}

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'publish tool output files to the findings topics',
  usage,
  parse: parseIngestArgs,
  async run(argv, io) {
    const { values, positionals, format } = parseIngestArgs(argv);
    const inputs = positionals.map((file) => ({ file, bytes: readInputFile(file) }));
    const { splitRecords } = await import('../../consumers/split-records.ts');
    const { chunkForSend } = await import('../../consumers/chunk-for-send.ts');
    const { topicForFormat } = await import('../../consumers/topic-for-format.ts');
    const { kafka } = await import('../../runtime/connections.ts');
    const { topics } = await import('../../infra/endpoints.ts');

    const producer = kafka('nhi-ingest').producer({ idempotent: true });
    try {
      await producer.connect();
    } catch (error) {
      throw new CommandError(
        `kafka: cannot connect (${(error as Error).message}) — is the stack up? (nhi stack up)`,
      );
    }
    const summary = {
      files: inputs.length,
      messages: 0,
      flagged: 0,
      noIdentity: 0,
      refused: [] as Array<{ file: string; line: number; record: number; bytes: number }>,
      perTopic: {} as Record<string, number>,
    };
    try {
      if (values.rescan !== undefined && format !== 'auto') {
        const { file, bytes } = inputs[0]!;
        if (bytes.length > MAX_RECORD_BYTES)
          throw new CommandError(
            `${file}: a rescan is sent as one message and this file is ${bytes.length} bytes > ${MAX_RECORD_BYTES}: split the scope`,
          );
        const topic = values.topic ?? topicForFormat(format);
        await producer.send({
          topic,
          acks: -1,
          messages: [
            { key: null, value: bytes, headers: { format, 'nhi-rescan-scope': values.rescan.trim() } },
          ],
        });
        const result = { files: 1, messages: 1, rescan: { scope: values.rescan.trim(), format, topic } };
        io.out(
          values.json
            ? JSON.stringify(result)
            : `published ${file} as the complete ${format} result for ${values.rescan.trim()} (${topic})`,
        );
        return 0;
      }
      for (const { file, bytes } of inputs) {
        const all = splitRecords(bytes, format, fingerprintKeyFromEnv());
        const records = all.filter((r) => {
          const size = Buffer.byteLength(r.value);
          if (size <= MAX_RECORD_BYTES) return true;
          summary.refused.push({ file, line: r.line, record: r.record, bytes: size });
          io.err(
            `  ${file}: line ${r.line} record ${r.record}: refused, ${size} bytes > ${MAX_RECORD_BYTES} (not sent)`,
          );
          return false;
        });
        for (let i = 0; i < records.length; i += SEND_BATCH) {
          const chunk = records.slice(i, i + SEND_BATCH);
          const byTopic = new Map<string, typeof chunk>();
          for (const r of chunk) {
            const topic = values.topic ?? (r.format ? topicForFormat(r.format) : topics.cspm);
            byTopic.set(topic, [...(byTopic.get(topic) ?? []), r]);
          }
          // In sends the broker accepts: 500 records near the size limit would be one request far over it.
          for (const [topic, rs] of byTopic) {
            const messages = rs.map((r) => ({
              key: r.key ?? null,
              value: r.value,
              headers: {
                ...(r.format ? { format: r.format } : {}),
                // The local check's reason travels with the record: the DLQ entry then says it too.
                ...(r.problem ? { 'ingest-problem': r.problem.slice(0, 300) } : {}),
              },
            }));
            for (const batch of chunkForSend(messages))
              await producer.send({ topic, acks: -1, messages: batch });
          }
          for (const [topic, rs] of byTopic)
            summary.perTopic[topic] = (summary.perTopic[topic] ?? 0) + rs.length;
          summary.messages += chunk.length;
          summary.flagged += chunk.filter((r) => r.problem).length;
          summary.noIdentity += chunk.filter((r) => r.noIdentity).length;
          if (records.length > SEND_BATCH)
            io.err(`  ${file}: ${Math.min(i + SEND_BATCH, records.length)}/${records.length}`);
        }
        for (const r of records.filter((x) => x.problem).slice(0, 5))
          io.err(`  ${file}: will be dead-lettered: ${r.problem}`);
      }
    } finally {
      await producer.disconnect();
    }
    const refused = summary.refused.length;
    if (values.json) io.out(JSON.stringify(summary));
    else {
      const where = Object.entries(summary.perTopic)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ');
      const unnamed = summary.noIdentity
        ? `; ${summary.noIdentity} record(s) named no identity: no identity workflow will hold them (each is reported as an ingest.no-identity event on ${topics.events})`
        : '';
      io.out(
        `published ${summary.messages} message(s) from ${summary.files} file(s) (${where}); ${summary.flagged} failed the local check and will go to findings.dlq${unnamed}${refused ? `; ${refused} too large, not sent` : ''}`,
      );
    }
    return refused ? 1 : 0;
  },
};
