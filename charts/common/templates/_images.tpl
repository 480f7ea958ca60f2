{{/*
The version a service's image carries: image.tag, else the chart's appVersion.
Usage:
{{ include "common.images.version" . }}
*/}}
{{- define "common.images.version" -}}
{{- default .Chart.AppVersion .Values.image.tag | toString -}}
{{- end -}}

{{/*
Image reference of the service container. With image.digest it is "<repository>@<digest>"
(the exact bytes the pipeline built and scanned); otherwise "<repository>:<tag>". A tag of
"latest" or a malformed digest stops the render.
Usage:
{{ include "common.images.reference" . }}
*/}}
{{- define "common.images.reference" -}}
{{- $image := .Values.image -}}
{{- if not $image.repository -}}
{{- fail "image.repository is required (for example myregistry.azurecr.io/catalog-api)" -}}
{{- end -}}
{{- if $image.digest -}}
{{- if not (regexMatch "^sha256:[a-f0-9]{64}$" $image.digest) -}}
{{- fail (printf "image.digest %q is not a digest: expected sha256: followed by 64 lowercase hex characters" $image.digest) -}}
{{- end -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- $tag := include "common.images.version" . -}}
{{- if eq $tag "latest" -}}
{{- fail "image.tag \"latest\" is not allowed: deploy an immutable tag (the git sha) or set image.digest" -}}
{{- end -}}
{{- printf "%s:%s" $image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
imagePullSecrets of the pod (include it only when .Values.imagePullSecrets is not empty). Empty by default: on AKS the kubelet identity pulls from the
attached ACR, so no registry credential lives in the cluster.
Usage:
{{- if .Values.imagePullSecrets }}{{- include "common.images.pullSecrets" . | nindent 6 }}{{- end }}
*/}}
{{- define "common.images.pullSecrets" -}}
imagePullSecrets:
{{- range .Values.imagePullSecrets }}
  - name: {{ . | quote }}
{{- end }}
{{- end -}}
