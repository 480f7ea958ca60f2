{{/*
Requests and limits of the service container. Both are required: requests drive scheduling and
the HPA's utilisation, limits keep one pod from starving its node.
Usage:
resources: {{- include "common.resources.container" . | nindent 12 }}
*/}}
{{- define "common.resources.container" -}}
{{- $r := .Values.resources -}}
{{- range $kind := list "requests" "limits" -}}
{{- range $resource := list "cpu" "memory" -}}
{{- if not (index (index $r $kind | default dict) $resource) -}}
{{- fail (printf "resources.%s.%s is required: every container declares requests and limits" $kind $resource) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $r -}}
{{- end -}}
