{{/*
The service's Deployment: one container from the chart's values, hardened for PSS "restricted",
rolled out without losing capacity (maxUnavailable 0) and drained gracefully (preStop sleep
while endpoints update, then SIGTERM and the runtime's drain, all inside the grace period).
Usage (templates/deployment.yaml of a service chart):
{{ include "common.deployment.manifest" . }}
*/}}
{{- define "common.deployment.manifest" -}}
{{- include "common.validations.values" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ include "common.names.namespace" . }}
  labels: {{- include "common.labels.standard" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: {{ .Values.revisionHistoryLimit }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: {{ .Values.rollingUpdate.maxSurge }}
  selector:
    matchLabels: {{- include "common.labels.matchLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "common.labels.standard" . | nindent 8 }}
        {{- if .Values.serviceAccount.workloadIdentity.enabled }}
        azure.workload.identity/use: "true"
        {{- end }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.podAnnotations }}
      annotations: {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "common.names.serviceAccount" . }}
      # The services never call the Kubernetes API; Workload ID projects its own token.
      automountServiceAccountToken: false
      {{- if .Values.imagePullSecrets }}
      {{- include "common.images.pullSecrets" . | nindent 6 }}
      {{- end }}
      securityContext: {{- include "common.security.podSecurityContext" . | nindent 8 }}
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      nodeSelector:
        kubernetes.io/os: linux
        {{- with .Values.nodeSelector }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.tolerations }}
      tolerations: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if .Values.topologySpread.enabled }}
      {{- include "common.topology.spreadConstraints" . | nindent 6 }}
      {{- end }}
      containers:
        - name: {{ include "common.names.name" . }}
          image: {{ include "common.images.reference" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .Values.containerPort }}
              protocol: TCP
            {{- if .Values.healthPort }}
            # The probes' port (HEALTH_PORT): no Service port, so no ingress path, leads to it.
            - name: health
              containerPort: {{ .Values.healthPort }}
              protocol: TCP
            {{- end }}
          env: {{- include "common.env.container" . | nindent 12 }}
          {{- include "common.probes.container" . | nindent 10 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ .Values.preStopSleepSeconds }}
          resources: {{- include "common.resources.container" . | nindent 12 }}
          securityContext: {{- include "common.security.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if .Values.extraCaCertificates.configMap }}
            - name: extra-ca-certificates
              mountPath: /etc/shipyard/extra-ca
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
        {{- with .Values.extraCaCertificates }}
        {{- if .configMap }}
        - name: extra-ca-certificates
          configMap:
            name: {{ .configMap | quote }}
            items:
              - key: {{ .key | quote }}
                path: ca.crt
        {{- end }}
        {{- end }}
{{- end -}}
