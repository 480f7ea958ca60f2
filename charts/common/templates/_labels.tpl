{{/*
Standard Kubernetes labels (app.kubernetes.io/*) on every object of a service.
The version label carries the image tag (or the chart appVersion), so a dashboard can tell
which build runs.
Usage:
{{ include "common.labels.standard" . | nindent 4 }}
*/}}
{{- define "common.labels.standard" -}}
{{ include "common.labels.matchLabels" . }}
app.kubernetes.io/version: {{ include "common.images.version" . | trunc 63 | trimSuffix "-" | trimSuffix "." | quote }}
app.kubernetes.io/component: {{ .Values.component | quote }}
app.kubernetes.io/part-of: {{ .Values.partOf | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
helm.sh/chart: {{ include "common.names.chart" . | quote }}
{{- end -}}

{{/*
The immutable subset of the standard labels, used in selectors (Deployment, PDB,
NetworkPolicy). Never add a label here that changes between releases: a Deployment's selector
cannot be updated.
Usage:
{{ include "common.labels.matchLabels" . | nindent 6 }}
*/}}
{{- define "common.labels.matchLabels" -}}
app.kubernetes.io/name: {{ include "common.names.name" . | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{/*
Labels that select the pods of another shipyard service by its name (for NetworkPolicy peers).
Usage:
{{ include "common.labels.peer" (dict "name" "storefront" "context" $) | nindent 10 }}
*/}}
{{- define "common.labels.peer" -}}
app.kubernetes.io/name: {{ .name | quote }}
app.kubernetes.io/part-of: {{ .context.Values.partOf | quote }}
{{- end -}}
