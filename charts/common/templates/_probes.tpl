{{/*
The three probes on the service runtime's endpoints. Startup gates the others (a slow start
never trips liveness); readiness turns 503 while the service drains, so the endpoint leaves the
Service before the process stops; liveness only checks the event loop answers.
Usage:
{{- include "common.probes.container" . | nindent 10 }}
*/}}
{{- define "common.probes.container" -}}
{{- $p := .Values.probes -}}
startupProbe:
  httpGet:
    path: /healthz/live
    port: http
  periodSeconds: {{ $p.startup.periodSeconds }}
  timeoutSeconds: {{ $p.startup.timeoutSeconds }}
  failureThreshold: {{ $p.startup.failureThreshold }}
readinessProbe:
  httpGet:
    path: /healthz/ready
    port: http
  periodSeconds: {{ $p.readiness.periodSeconds }}
  timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
  failureThreshold: {{ $p.readiness.failureThreshold }}
livenessProbe:
  httpGet:
    path: /healthz/live
    port: http
  periodSeconds: {{ $p.liveness.periodSeconds }}
  timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
  failureThreshold: {{ $p.liveness.failureThreshold }}
{{- end -}}
