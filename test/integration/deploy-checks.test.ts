// The deploy/ files, checked offline with the real tools (installed into the tool cache on first use: helm and
// promtool are `go install`ed, minutes cold): hadolint lints the Dockerfile; helm lints and renders the chart for
// its default values and both examples, and every rendered object is validated against the Kubernetes 1.37 API
// schemas (kubernetes-validate); the chart's refusals fail the render; promtool checks and tests the alert rules.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  hadolintPath,
  helmPath,
  installHadolint,
  installHelm,
  installKubernetesValidate,
  installPromtool,
  kubernetesValidatePython,
  promtoolPath,
} from '../../infra/install/deploy-tools.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const deploy = join(root, 'deploy');
const chart = join(deploy, 'helm', 'nhi-enforce');
const examples = ['production.yaml', 'temporal-cloud-team-workers.yaml'].map((f) =>
  join(deploy, 'helm', 'examples', f),
);
const scratch = mkdtempSync(join(tmpdir(), 'nhi-deploy-'));
const log = (line: string) => process.stderr.write(`${line}\n`);

type Run = { code: number; out: string };
async function tool(cmd: string, args: string[], cwd = root): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field below
  spec?: any;
}

async function render(values?: string, set: string[] = []): Promise<Run & { objects: K8sObject[] }> {
  const args = [
    'template',
    'nhi',
    chart,
    ...(values ? ['-f', values] : []),
    ...set.flatMap((s) => ['--set', s]),
  ];
  const run = await tool(helmPath(), args);
  const objects =
    run.code === 0
      ? parseAllDocuments(run.out)
          .map((d) => d.toJS() as K8sObject)
          .filter(Boolean)
      : [];
  return { ...run, objects };
}

// Each tool is installed by the tests that use it (a first install of helm or promtool takes minutes).
const INSTALL_MS = 60 * 60_000;

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('deploy/Dockerfile', () => {
  beforeAll(() => installHadolint(log), INSTALL_MS);
  it('passes hadolint', async () => {
    expect(await tool(hadolintPath(), [join(deploy, 'Dockerfile')])).toEqual({ code: 0, out: '' });
  });
});

describe('deploy/helm/nhi-enforce', () => {
  beforeAll(() => Promise.all([installKubernetesValidate(log), installHelm(log)]), INSTALL_MS);
  for (const values of [undefined, ...examples]) {
    const name = values ? values.split('/').at(-1)! : 'default values';
    it(`${name}: helm lint passes, every rendered object validates against the Kubernetes API schemas`, async () => {
      const lint = await tool(helmPath(), ['lint', chart, ...(values ? ['-f', values] : [])]);
      expect(lint.code, lint.out).toBe(0);
      const rendered = await render(values);
      expect(rendered.code, rendered.out).toBe(0);
      const file = join(scratch, `${name}.rendered.yaml`);
      writeFileSync(file, rendered.out);
      // Only the prometheus-operator kinds are custom resources (no schema in the bundle): left out here.
      const builtIn = rendered.objects.filter((o) => !o.apiVersion.startsWith('monitoring.coreos.com/'));
      const builtInFile = join(scratch, `${name}.builtin.yaml`);
      writeFileSync(builtInFile, builtIn.map((o) => JSON.stringify(o)).join('\n---\n'));
      const validated = await tool(kubernetesValidatePython(), [
        '-m',
        'kubernetes_validate',
        '--strict',
        '-k',
        '1.37.0',
        builtInFile,
      ]);
      expect(validated.code, validated.out).toBe(0);
      expect(validated.out).not.toMatch(/ERROR|WARN/);
      checkObjects(rendered.objects);
    });
  }

  it('refuses more consumers than partitions, and a missing required secret', async () => {
    const tooMany = await render(undefined, ['consumer.replicas=7', 'consumer.partitions=6']);
    expect(tooMany.code).not.toBe(0);
    expect(tooMany.out).toContain('consumer.replicas (7) is above consumer.partitions (6)');
    const noKeys = await render(undefined, ['secrets.payloadKeys.name=']);
    expect(noKeys.code).not.toBe(0);
    expect(noKeys.out).toContain('secrets.payloadKeys.name is empty');
  });

  it('ships deploy/prometheus/alerts.yaml unchanged as its PrometheusRule', async () => {
    expect(readFileSync(join(chart, 'files', 'alerts.yaml'), 'utf8')).toBe(
      readFileSync(join(deploy, 'prometheus', 'alerts.yaml'), 'utf8'),
    );
    const { objects } = await render(examples[0]);
    const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
    const alerts = rule.spec.groups.flatMap((g: { rules: Array<{ alert: string }> }) =>
      g.rules.map((r) => r.alert),
    );
    expect(alerts).toContain('NhiCircuitBreakerOpen');
    expect(
      objects.find((o) => o.kind === 'ServiceMonitor')!.spec.endpoints.map((e: { port: string }) => e.port),
    ).toEqual(['metrics', 'http']);
  });
});

/** The rules every rendered object keeps, whatever the values. */
function checkObjects(objects: K8sObject[]): void {
  expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]); // secrets only by reference
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  expect(deployments.map((d) => d.metadata.name)).toEqual(
    expect.arrayContaining(['nhi-nhi-enforce-consumer', 'nhi-nhi-enforce-worker']),
  );
  for (const d of deployments) {
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const component = d.spec.selector.matchLabels['app.kubernetes.io/component'];
    expect(
      budgets.some((b) => b.spec.selector.matchLabels['app.kubernetes.io/component'] === component),
      component,
    ).toBe(true);
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.resources?.requests).toBeDefined();
      expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      // Every secret in the environment comes from a Secret by reference, never as a value.
      for (const env of c.env as Array<{ name: string; value?: string }>)
        if (
          /KEY|TOKEN|PASSWORD|SECRET/.test(env.name) &&
          !/_FILE$|_CA$|_CERT$|_KEY_ID$|_TLS_KEY$|_SSL_KEY$/.test(env.name)
        )
          expect(env.value, env.name).toBeUndefined();
      if (!component.startsWith('team-')) {
        expect(c.livenessProbe.httpGet.path).toBe('/livez');
        expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      }
    }
  }
}

describe('deploy/prometheus/alerts.yaml', () => {
  beforeAll(() => installPromtool(log), INSTALL_MS);
  it('promtool checks the rules and their tests pass on test series', async () => {
    const check = await tool(promtoolPath(), ['check', 'rules', 'alerts.yaml'], join(deploy, 'prometheus'));
    expect(check.code, check.out).toBe(0);
    const test = await tool(
      promtoolPath(),
      ['test', 'rules', 'alerts.test.yaml'],
      join(deploy, 'prometheus'),
    );
    expect(test.code, test.out).toBe(0);
    expect(test.out).toContain('SUCCESS');
  });
});
