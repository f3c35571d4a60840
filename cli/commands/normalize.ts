// `nhi normalize FILE… [--format F] [--json]`: offline, no services. Findings to stdout, summary to stderr.
import { readFileSync, statSync } from 'node:fs';
import { adapters } from '../../schemas/adapters/index.ts';
import { type Finding, FORMATS, FormatOrAuto } from '../../schemas/finding.ts';
import { normalizeInput, type RecordOutcome, shapesOf } from '../../schemas/normalize.ts';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import { findingRow } from '../format-finding.ts';

const usage = `usage: nhi normalize FILE… [--format F] [--json]

Reads security tools' output files and prints canonical findings: a readable table, or with --json one
JSON object per line. Offline: needs no Kafka, Temporal or AWS. A summary goes to stderr.

  --format F   input format (default: auto, detected per file; the summary names the shape it chose,
               e.g. asff/eventbridge, trivy/k8s-cluster, gitleaks/v7, also in each finding's source.variant):
               ${FORMATS.join(', ')}
  --json       JSON lines on stdout

Raw secrets are never printed: findings carry a keyed fingerprint (NHI_FINGERPRINT_KEY) and a masked hint.
Exit status: 0 when every record was valid, 1 when any was rejected (valid records are still printed). A record
of a type its tool documents that carries nothing to act on is skipped, with a line naming it (exit 0).

What --format auto recognises, in the order it tries:
${adapters.map((a) => `  ${a.format.padEnd(22)} ${a.signature}`).join('\n')}

examples:
  nhi normalize gitleaks-report.json
  nhi normalize --format asff --json findings.json
next: nhi ingest FILE publishes the same files to Kafka for the pipeline`;

function parseNormalizeArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    format: { type: 'string', short: 'f' },
    json: { type: 'boolean' },
  });
  if (positionals.length === 0) throw new UsageError('no input file given');
  return { values, positionals, format: parseFormat(values.format) };
}

export function parseFormat(value: string | undefined): FormatOrAuto {
  const parsed = FormatOrAuto.safeParse(value ?? 'auto');
  if (!parsed.success) throw new UsageError(`unknown format '${value}' (known: auto, ${FORMATS.join(', ')})`);
  return parsed.data;
}

export function readInputFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message}`,
    );
  }
}

/**
 * The shapes `auto` chose, `<format>/<variant>` (the format alone where the document's shape had no name); for a
 * file with no records (an empty report), the shape its documents have.
 */
function formatsUsed(outcomes: RecordOutcome[], bytes: Buffer, format: FormatOrAuto): string {
  const used = [...new Set(outcomes.map((o) => o.variant ?? o.format).filter(Boolean))];
  if (!used.length && !outcomes.length) used.push(...shapesOf(bytes, format));
  return used.length ? used.join('+') : 'none';
}

export const normalizeCommand: Command = {
  name: 'normalize',
  summary: 'tool output files → canonical findings (offline)',
  usage,
  parse: parseNormalizeArgs,
  async run(argv, io) {
    const { values, positionals, format } = parseNormalizeArgs(argv);
    const inputs = positionals.map((file) => ({
      file,
      bytes: readInputFile(file),
      receivedAt: statSync(file).mtime.toISOString(),
    }));

    let records = 0;
    let rejected = 0;
    let skipped = 0;
    const findings: Finding[] = [];
    const perFormat = new Map<string, number>();
    for (const { file, bytes, receivedAt } of inputs) {
      // A tool that writes no timestamp: its file's modification time is when the finding was observed.
      const outcomes = normalizeInput(bytes, { format, receivedAt });
      records += outcomes.length;
      io.err(
        `${file}: ${format === 'auto' ? 'auto' : format} → ${formatsUsed(outcomes, bytes, format)}, ${outcomes.length} record(s)`,
      );
      for (const o of outcomes) {
        if (o.ok) {
          findings.push(...o.findings);
          if (o.skipped) {
            skipped += 1;
            io.err(`  skipped ${file}:${o.line}${o.record ? ` record ${o.record}` : ''}: ${o.skipped}`);
          }
          perFormat.set(o.format, (perFormat.get(o.format) ?? 0) + o.findings.length);
        } else {
          rejected += 1;
          io.err(`  rejected ${file}:${o.line}${o.record ? ` record ${o.record}` : ''}: ${o.reason}`);
        }
      }
    }
    if (values.json) for (const f of findings) io.out(JSON.stringify(f));
    else for (const f of findings) io.out(findingRow(f));
    const counts = [...perFormat].map(([f, n]) => `${f} ${n}`).join(', ') || 'none';
    io.err(
      `${records} record(s) read from ${inputs.length} file(s), ${findings.length} finding(s) out (${counts}), ${rejected} rejected${skipped ? `, ${skipped} skipped` : ''}`,
    );
    return rejected ? 1 : 0;
  },
};
