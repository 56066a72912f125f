{{/* SPDX-License-Identifier: Apache-2.0 */}}
{{- define "babe.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "babe.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "babe.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "babe.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "babe.selectorLabels" -}}
app.kubernetes.io/name: {{ include "babe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: babed
{{- end -}}

{{- define "babe.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "babe.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: babe
{{- end -}}

{{- define "babe.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The port of babed.config.metrics.listen ("" when metrics are off). */}}
{{- define "babe.metricsPort" -}}
{{- $listen := (.Values.babed.config.metrics | default dict).listen | default "" -}}
{{- if $listen -}}{{- regexFind "[0-9]+$" $listen -}}{{- end -}}
{{- end -}}

{{/* The control socket's directory: a host path, so the host's babectl works. */}}
{{- define "babe.socketDir" -}}
{{- dir ((.Values.babed.config.control | default dict).socket | default "/run/babe/babe.sock") -}}
{{- end -}}

{{/* A few keys the chart depends on, checked beyond the schema. */}}
{{- define "babe.check" -}}
{{- $listen := (.Values.babed.config.metrics | default dict).listen | default "" -}}
{{- if and .Values.babed.probes.enabled (not $listen) -}}
{{- fail "babed.probes.enabled needs babed.config.metrics.listen: /healthz and /readyz are served there" -}}
{{- end -}}
{{- if and .Values.babed.probes.enabled (hasPrefix "127." $listen) -}}
{{- fail (printf "babed.config.metrics.listen %s is loopback: the kubelet probes the node's address (use 0.0.0.0:PORT or set babed.probes.enabled false)" $listen) -}}
{{- end -}}
{{- if and .Values.monitoring.prometheusOperator (not $listen) -}}
{{- fail "monitoring.prometheusOperator needs babed.config.metrics.listen" -}}
{{- end -}}
{{- $pin := (.Values.babed.config.xdp | default dict).pin_path | default "/sys/fs/bpf/babe" -}}
{{- if not (hasPrefix "/sys/fs/bpf/" $pin) -}}
{{- fail (printf "babed.config.xdp.pin_path %s must lie under /sys/fs/bpf/ (the host's bpffs, so pinned maps and links outlive the pod)" $pin) -}}
{{- end -}}
{{- end -}}
