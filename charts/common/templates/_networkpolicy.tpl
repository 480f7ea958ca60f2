{{/*
NetworkPolicy: everything the service does not need is denied. Ingress only from its real
callers (other shipyard services, by name) and, when enabled, the ingress controller; egress
only to cluster DNS, its callees, and HTTPS outside the cluster's private ranges (Azure Monitor
ingestion).
Usage (templates/networkpolicy.yaml):
{{ include "common.networkPolicy.manifest" . }}
*/}}
{{- define "common.networkPolicy.manifest" -}}
{{- $np := .Values.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ include "common.names.namespace" . }}
  labels: {{- include "common.labels.standard" . | nindent 4 }}
spec:
  podSelector:
    matchLabels: {{- include "common.labels.matchLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    {{- range $np.allowedCallers }}
    - from:
        - podSelector:
            matchLabels: {{- include "common.labels.peer" (dict "name" . "context" $) | nindent 14 }}
      ports:
        - port: {{ $.Values.containerPort }}
          protocol: TCP
    {{- end }}
    {{- with $np.ingressController }}
    {{- if .enabled }}
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ .namespace | quote }}
          {{- with .podLabels }}
          podSelector:
            matchLabels: {{- toYaml . | nindent 14 }}
          {{- end }}
      ports:
        - port: {{ $.Values.containerPort }}
          protocol: TCP
    {{- end }}
    {{- end }}
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $np.dns.namespace | quote }}
          podSelector:
            matchLabels: {{- toYaml $np.dns.podLabels | nindent 14 }}
      ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    {{- range .Values.callees }}
    - to:
        - podSelector:
            matchLabels: {{- include "common.labels.peer" (dict "name" .name "context" $) | nindent 14 }}
      ports:
        - port: {{ .targetPort }}
          protocol: TCP
    {{- end }}
    {{- with $np.httpsEgress }}
    {{- if .enabled }}
    - to:
        - ipBlock:
            cidr: {{ .cidr | quote }}
            {{- with .except }}
            except: {{- toYaml . | nindent 14 }}
            {{- end }}
      ports:
        - port: 443
          protocol: TCP
    {{- end }}
    {{- end }}
{{- end -}}
