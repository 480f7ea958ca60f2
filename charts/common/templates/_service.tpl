{{/*
ClusterIP Service in front of the pods: service.port (80) to the container's named port "http".
Callers reach it as http://<fullname>:<service.port>.
Usage (templates/service.yaml):
{{ include "common.service.manifest" . }}
*/}}
{{- define "common.service.manifest" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ include "common.names.namespace" . }}
  labels: {{- include "common.labels.standard" . | nindent 4 }}
spec:
  type: ClusterIP
  selector: {{- include "common.labels.matchLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
{{- end -}}
