{{/* The release's full name, cut to the 63 characters a name may have. */}}
{{- define "nhi.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "nhi.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "consumer"). */}}
{{- define "nhi.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "nhi.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "nhi.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "nhi.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* One env var from a Secret reference {name, key}; nothing when the reference has no name. */}}
{{- define "nhi.secretEnv" -}}
{{- if .ref.name }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef: { name: {{ .ref.name | quote }}, key: {{ .ref.key | quote }} }
{{- end }}
{{- end -}}

{{/* The environment every nhi process gets: config.* as NHI_* and the secrets by reference. */}}
{{- define "nhi.env" -}}
{{- $c := .Values.config -}}
- name: NHI_KAFKA_BROKERS
  value: {{ $c.kafkaBrokers | quote }}
- name: NHI_TEMPORAL_ADDRESS
  value: {{ $c.temporalAddress | quote }}
- name: NHI_TEMPORAL_NAMESPACE
  value: {{ $c.temporalNamespace | quote }}
- name: NHI_AWS_ENDPOINT
  value: aws
- name: NHI_AWS_REGION
  value: {{ $c.awsRegion | quote }}
{{- range $name, $value := dict "NHI_TASK_QUEUE" $c.taskQueue "NHI_FINDINGS_TOPICS" $c.findingsTopics "NHI_CONSUMER_GROUP" $c.consumerGroup "NHI_KAFKA_SASL_MECHANISM" $c.kafkaSaslMechanism "NHI_KAFKA_SASL_USERNAME" $c.kafkaSaslUsername "NHI_PAYLOAD_KEY_ID" $c.payloadKeyId }}
{{- if $value }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}
{{- if $c.kafkaSsl }}
- name: NHI_KAFKA_SSL
  value: "true"
{{- end }}
{{- if $c.temporalTls }}
- name: NHI_TEMPORAL_TLS
  value: "true"
{{- end }}
{{- with .Values.tls.temporal }}
{{- if .secretName }}
- name: NHI_TEMPORAL_TLS_CA
  value: /etc/nhi/tls/temporal/ca.crt
{{- if .clientCertificate }}
- name: NHI_TEMPORAL_TLS_CERT
  value: /etc/nhi/tls/temporal/tls.crt
- name: NHI_TEMPORAL_TLS_KEY
  value: /etc/nhi/tls/temporal/tls.key
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.tls.kafka }}
{{- if .secretName }}
- name: NHI_KAFKA_SSL_CA
  value: /etc/nhi/tls/kafka/ca.crt
{{- if .clientCertificate }}
- name: NHI_KAFKA_SSL_CERT
  value: /etc/nhi/tls/kafka/tls.crt
- name: NHI_KAFKA_SSL_KEY
  value: /etc/nhi/tls/kafka/tls.key
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.policy.configMap }}
- name: NHI_POLICY_FILE
  value: /etc/nhi/policy/policy.yaml
{{- end }}
{{- $s := .Values.secrets }}
{{- include "nhi.secretEnv" (dict "env" "NHI_PAYLOAD_KEYS" "ref" $s.payloadKeys) }}
{{- include "nhi.secretEnv" (dict "env" "NHI_FINGERPRINT_KEY" "ref" $s.fingerprintKey) }}
{{- include "nhi.secretEnv" (dict "env" "NHI_FINGERPRINT_KEY_PREVIOUS" "ref" $s.fingerprintKeyPrevious) }}
{{- include "nhi.secretEnv" (dict "env" "NHI_TEMPORAL_API_KEY" "ref" $s.temporalApiKey) }}
{{- include "nhi.secretEnv" (dict "env" "NHI_KAFKA_SASL_PASSWORD" "ref" $s.kafkaSaslPassword) }}
{{- range $name, $value := $c.extraEnv }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* /tmp (the only place a process may write: the root filesystem is read-only), certificates and policy. */}}
{{- define "nhi.volumes" -}}
- name: tmp
  emptyDir: { sizeLimit: 256Mi }
{{- if .Values.tls.temporal.secretName }}
- name: temporal-tls
  secret: { secretName: {{ .Values.tls.temporal.secretName | quote }} }
{{- end }}
{{- if .Values.tls.kafka.secretName }}
- name: kafka-tls
  secret: { secretName: {{ .Values.tls.kafka.secretName | quote }} }
{{- end }}
{{- if .Values.policy.configMap }}
- name: policy
  configMap: { name: {{ .Values.policy.configMap | quote }} }
{{- end }}
{{- end -}}

{{- define "nhi.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.tls.temporal.secretName }}
- name: temporal-tls
  mountPath: /etc/nhi/tls/temporal
  readOnly: true
{{- end }}
{{- if .Values.tls.kafka.secretName }}
- name: kafka-tls
  mountPath: /etc/nhi/tls/kafka
  readOnly: true
{{- end }}
{{- if .Values.policy.configMap }}
- name: policy
  mountPath: /etc/nhi/policy
  readOnly: true
{{- end }}
{{- end -}}

{{/* Probes on an HTTP port: live while the process answers, ready when its roles run (or the codec serves). */}}
{{- define "nhi.probes" -}}
startupProbe:
  httpGet: { path: /livez, port: {{ . }} }
  periodSeconds: 5
  failureThreshold: 36
livenessProbe:
  httpGet: { path: /livez, port: {{ . }} }
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: {{ . }} }
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
{{- end -}}

{{/* The chart's refusals: settings that would deploy something that cannot work. */}}
{{- define "nhi.validate" -}}
{{- if gt (int .Values.consumer.replicas) (int .Values.consumer.partitions) -}}
{{- fail (printf "consumer.replicas (%d) is above consumer.partitions (%d): a consumer beyond the partition count gets no partition and sits idle; add partitions to the findings topics or lower consumer.replicas" (int .Values.consumer.replicas) (int .Values.consumer.partitions)) -}}
{{- end -}}
{{- if not .Values.secrets.payloadKeys.name -}}
{{- fail "secrets.payloadKeys.name is empty: name the Secret holding the payload encryption keys (the development key is public)" -}}
{{- end -}}
{{- if not .Values.secrets.fingerprintKey.name -}}
{{- fail "secrets.fingerprintKey.name is empty: name the Secret holding the fingerprint key (the development key is refused against real services)" -}}
{{- end -}}
{{- if and .Values.codecServer.enabled (not .Values.secrets.codecToken.name) -}}
{{- fail "codecServer.enabled needs secrets.codecToken.name: the Secret holding the codec server's bearer token" -}}
{{- end -}}
{{- end -}}
