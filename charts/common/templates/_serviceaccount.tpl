{{/*
The ServiceAccount the pods run as. With serviceAccount.workloadIdentity.enabled it carries the
Microsoft Entra Workload ID client-id annotation and use label (the pods get the use label as
well), so the Azure SDKs in the pod get tokens for that managed identity without any secret.
Usage (templates/serviceaccount.yaml):
{{ include "common.serviceAccount.manifest" . }}
*/}}
{{- define "common.serviceAccount.manifest" -}}
{{- $wi := .Values.serviceAccount.workloadIdentity -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "common.names.serviceAccount" . }}
  namespace: {{ include "common.names.namespace" . }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
    {{- if $wi.enabled }}
    azure.workload.identity/use: "true"
    {{- end }}
  {{- if or $wi.enabled .Values.serviceAccount.annotations }}
  annotations:
    {{- if $wi.enabled }}
    azure.workload.identity/client-id: {{ $wi.clientId | quote }}
    {{- end }}
    {{- with .Values.serviceAccount.annotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
automountServiceAccountToken: false
{{- end -}}
