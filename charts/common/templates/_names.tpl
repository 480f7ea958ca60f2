{{/*
Name of the chart, or nameOverride when set. Truncated to 63 characters (a DNS label).
Usage:
{{ include "common.names.name" . }}
*/}}
{{- define "common.names.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Name of every object of the release: fullnameOverride, else the release name when it already
contains the chart name (release "catalog-api" → "catalog-api"), else "<release>-<chart>".
Usage:
{{ include "common.names.fullname" . }}
*/}}
{{- define "common.names.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "common.names.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Chart name and version for the helm.sh/chart label.
Usage:
{{ include "common.names.chart" . }}
*/}}
{{- define "common.names.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Namespace of the release.
Usage:
{{ include "common.names.namespace" . }}
*/}}
{{- define "common.names.namespace" -}}
{{- .Release.Namespace | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Name of the ServiceAccount the pods run as: serviceAccount.name, else the fullname.
Usage:
{{ include "common.names.serviceAccount" . }}
*/}}
{{- define "common.names.serviceAccount" -}}
{{- default (include "common.names.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}
