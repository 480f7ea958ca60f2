{{/*
The three probes on the service runtime's endpoints. Startup gates the others (a slow start
never trips liveness); readiness turns 503 while the service drains, so the endpoint leaves the
Service before the process stops; liveness only checks the event loop answers. With healthPort
set they use that port, which no Service (so no ingress) routes to: the endpoints and their check
names stay inside the pod. The kubelet reaches it whatever the NetworkPolicy says ("traffic to and
from the node where a Pod is running is always allowed",
https://kubernetes.io/docs/concepts/services-networking/network-policies/).
Usage:
{{- include "common.probes.container" . | nindent 10 }}
*/}}
{{- define "common.probes.container" -}}
{{- $p := .Values.probes -}}
{{- $port := ternary "health" "http" (not (empty .Values.healthPort)) -}}
startupProbe:
  httpGet:
    path: /healthz/live
    port: {{ $port }}
  periodSeconds: {{ $p.startup.periodSeconds }}
  timeoutSeconds: {{ $p.startup.timeoutSeconds }}
  failureThreshold: {{ $p.startup.failureThreshold }}
readinessProbe:
  httpGet:
    path: /healthz/ready
    port: {{ $port }}
  periodSeconds: {{ $p.readiness.periodSeconds }}
  timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
  failureThreshold: {{ $p.readiness.failureThreshold }}
livenessProbe:
  httpGet:
    path: /healthz/live
    port: {{ $port }}
  periodSeconds: {{ $p.liveness.periodSeconds }}
  timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
  failureThreshold: {{ $p.liveness.failureThreshold }}
{{- end -}}
