{{/*
PodDisruptionBudget: a voluntary disruption (node drain, cluster upgrade) never takes the last
ready pod. Pods that are not ready may always be evicted, so a crash-looping pod cannot block a
drain.
Usage (templates/pdb.yaml):
{{ include "common.pdb.manifest" . }}
*/}}
{{- define "common.pdb.manifest" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ include "common.names.namespace" . }}
  labels: {{- include "common.labels.standard" . | nindent 4 }}
spec:
  minAvailable: {{ .Values.pdb.minAvailable }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels: {{- include "common.labels.matchLabels" . | nindent 6 }}
{{- end -}}
