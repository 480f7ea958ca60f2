{{/*
Environment of the service container, the only way the services are configured:
- the service runtime's variables (HOST, PORT, LOG_LEVEL, SHUTDOWN_DEADLINE_MS);
- one in-cluster base URL per callee, built from the callee's Service ("http://catalog-api:80");
- telemetry: CLUSTER_RESOURCE_ID (the AKS cluster's ARM id: the SDK detects AKS from it and never
  probes the VM metadata endpoint), the Application Insights connection string as a plain value
  (telemetry.connectionString: with the workload identity it grants nothing) or as a
  secretKeyRef, the Azure Monitor sampler, and OpenTelemetry resource attributes filled from
  the downward API; NODE_EXTRA_CA_CERTS when extraCaCertificates names a ConfigMap (a
  TLS-intercepting proxy's CA, a private ingestion endpoint); the part-of name goes to SERVICE_NAMESPACE (a custom dimension), never to
  service.namespace, which would turn the cloud role into "<namespace>.<service>";
- the chart's own `env` map last.
Usage:
env: {{- include "common.env.container" . | nindent 12 }}
*/}}
{{- define "common.env.container" -}}
{{- $version := include "common.images.version" . -}}
- name: HOST
  value: "0.0.0.0"
- name: PORT
  value: {{ .Values.containerPort | quote }}
{{- if .Values.healthPort }}
- name: HEALTH_PORT
  value: {{ .Values.healthPort | quote }}
{{- end }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: SHUTDOWN_DEADLINE_MS
  value: {{ .Values.shutdownDeadlineMs | quote }}
{{- range .Values.callees }}
- name: {{ .envVar }}
  value: {{ printf "http://%s:%d" (.service | default .name) (.port | int) | quote }}
{{- end }}
- name: CLUSTER_RESOURCE_ID
  value: {{ .Values.clusterResourceId | quote }}
{{- if .Values.telemetry.connectionString }}
- name: APPLICATIONINSIGHTS_CONNECTION_STRING
  value: {{ .Values.telemetry.connectionString | quote }}
{{- else }}
{{- with .Values.telemetry.connectionStringSecret }}
{{- if .name }}
- name: APPLICATIONINSIGHTS_CONNECTION_STRING
  valueFrom:
    secretKeyRef:
      name: {{ .name | quote }}
      key: {{ .key | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.extraCaCertificates.configMap }}
- name: NODE_EXTRA_CA_CERTS
  value: /etc/shipyard/extra-ca/ca.crt
{{- end }}
- name: OTEL_TRACES_SAMPLER
  value: microsoft.fixed_percentage
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .Values.telemetry.samplingRatio | toString | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ include "common.names.name" . | quote }}
- name: K8S_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: K8S_NAMESPACE_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: K8S_NODE_NAME
  valueFrom:
    fieldRef:
      fieldPath: spec.nodeName
- name: SERVICE_NAMESPACE
  value: {{ .Values.partOf | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "service.version=%s,deployment.environment.name=%s,k8s.pod.name=$(K8S_POD_NAME),k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.node.name=$(K8S_NODE_NAME)" $version .Values.environment | quote }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}
