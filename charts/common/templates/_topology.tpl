{{/*
Spread the pods of one revision across zones and nodes, so losing a node or a zone leaves
replicas running. matchLabelKeys (pod-template-hash) keeps a rolling update from counting the
old ReplicaSet's pods.
Usage (when .Values.topologySpread.enabled):
{{- include "common.topology.spreadConstraints" . | nindent 6 }}
*/}}
{{- define "common.topology.spreadConstraints" -}}
{{- $t := .Values.topologySpread -}}
topologySpreadConstraints:
{{- range $key, $when := dict "topology.kubernetes.io/zone" $t.zones "kubernetes.io/hostname" $t.nodes }}
  - topologyKey: {{ $key }}
    maxSkew: {{ $t.maxSkew }}
    whenUnsatisfiable: {{ $when }}
    labelSelector:
      matchLabels: {{- include "common.labels.matchLabels" $ | nindent 8 }}
    matchLabelKeys:
      - pod-template-hash
{{- end }}
{{- end -}}
