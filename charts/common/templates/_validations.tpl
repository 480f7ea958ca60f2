{{/*
Checks across values that a JSON schema cannot express. Every problem is collected, then the
render fails once, listing them all.
Usage:
{{- include "common.validations.values" . }}
*/}}
{{- define "common.validations.values" -}}
{{- $problems := list -}}
{{- if not .Values.clusterResourceId -}}
{{- $problems = append $problems "clusterResourceId is required: the ARM id of the AKS cluster (az aks show -g <group> -n <cluster> --query id -o tsv); every pod gets it as CLUSTER_RESOURCE_ID" -}}
{{- end -}}
{{- $drainSeconds := add (div (add .Values.shutdownDeadlineMs 999) 1000) .Values.preStopSleepSeconds -}}
{{- if le (int .Values.terminationGracePeriodSeconds) (int $drainSeconds) -}}
{{- $problems = append $problems (printf "terminationGracePeriodSeconds (%v) must be longer than preStopSleepSeconds + shutdownDeadlineMs (%vs), or the kubelet kills the pod mid-drain" .Values.terminationGracePeriodSeconds $drainSeconds) -}}
{{- end -}}
{{- if and .Values.pdb.enabled (lt (int (include "common.validations.minReplicas" .)) 2) -}}
{{- $problems = append $problems (printf "with pdb.enabled the service needs at least 2 replicas (autoscaling.minReplicas or replicaCount is %s): with 1, a node drain waits forever or takes the last ready pod" (include "common.validations.minReplicas" .)) -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- $problems = append $problems (printf "autoscaling.minReplicas (%v) is greater than autoscaling.maxReplicas (%v)" .Values.autoscaling.minReplicas .Values.autoscaling.maxReplicas) -}}
{{- end -}}
{{- if and .Values.serviceAccount.workloadIdentity.enabled (not .Values.serviceAccount.workloadIdentity.clientId) -}}
{{- $problems = append $problems "serviceAccount.workloadIdentity.enabled needs serviceAccount.workloadIdentity.clientId (the managed identity's client id)" -}}
{{- end -}}
{{- if and .Values.healthPort (eq (int .Values.healthPort) (int .Values.containerPort)) -}}
{{- $problems = append $problems (printf "healthPort and containerPort are both %v: the health endpoints need a port of their own (the one no Service routes to)" .Values.healthPort) -}}
{{- end -}}
{{- if and .Values.ingress.enabled (not .Values.healthPort) -}}
{{- $problems = append $problems "ingress.enabled needs healthPort: on the service's own port, /healthz/* (check names, timings) would be reachable from outside through the ingress" -}}
{{- end -}}
{{- if and .Values.ingress.enabled (not .Values.ingress.host) -}}
{{- $problems = append $problems "ingress.enabled needs ingress.host" -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n%s: invalid values:\n  - %s" (include "common.names.name" .) (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}

{{/*
The fewest replicas the service runs with: autoscaling.minReplicas, else replicaCount.
Usage:
{{ include "common.validations.minReplicas" . }}
*/}}
{{- define "common.validations.minReplicas" -}}
{{- if .Values.autoscaling.enabled -}}
{{- .Values.autoscaling.minReplicas -}}
{{- else -}}
{{- .Values.replicaCount -}}
{{- end -}}
{{- end -}}
