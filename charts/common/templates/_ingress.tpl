{{/*
Optional Ingress for services reached from outside the cluster (on AKS, the application routing
add-on's class "webapprouting.kubernetes.azure.com"). The NetworkPolicy must then admit the
ingress controller (networkPolicy.ingressController.enabled).
Usage (templates/ingress.yaml):
{{ include "common.ingress.manifest" . }}
*/}}
{{- define "common.ingress.manifest" -}}
{{- $in := .Values.ingress -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ include "common.names.namespace" . }}
  labels: {{- include "common.labels.standard" . | nindent 4 }}
  {{- with $in.annotations }}
  annotations: {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  ingressClassName: {{ $in.className | quote }}
  {{- if $in.tls.enabled }}
  tls:
    - hosts:
        - {{ $in.host | quote }}
      secretName: {{ required "ingress.tls.secretName is required when ingress.tls.enabled" $in.tls.secretName | quote }}
  {{- end }}
  rules:
    - host: {{ $in.host | quote }}
      http:
        paths:
          - path: {{ $in.path }}
            pathType: Prefix
            backend:
              service:
                name: {{ include "common.names.fullname" . }}
                port:
                  name: http
{{- end -}}
