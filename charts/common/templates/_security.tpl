{{/*
Pod-level security context satisfying Pod Security Standards "restricted": non-root with a
fixed uid/gid (the images' user 10001), RuntimeDefault seccomp.
Usage:
securityContext: {{- include "common.security.podSecurityContext" . | nindent 8 }}
*/}}
{{- define "common.security.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
Container-level security context: PSS "restricted" plus a read-only root filesystem (the pod
mounts an emptyDir on /tmp for the little the runtime writes).
Usage:
securityContext: {{- include "common.security.containerSecurityContext" . | nindent 12 }}
*/}}
{{- define "common.security.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}
