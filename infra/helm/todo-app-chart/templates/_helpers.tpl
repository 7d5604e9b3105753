{{/*
Names. The full name is `<release>-<chart>` unless the release name already contains the
chart name (or fullnameOverride is set), cut to 63 characters, the DNS label limit.
*/}}
{{- define "todo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "todo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Component names stay below 63 characters with their suffix. */}}
{{- define "todo.backend.fullname" -}}
{{- printf "%s-backend" (include "todo.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}
{{- define "todo.frontend.fullname" -}}
{{- printf "%s-frontend" (include "todo.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{- define "todo.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- printf "%s-secrets" (include "todo.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}
{{- end }}

{{- define "todo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "todo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Selector labels never change after install: they are immutable on a Deployment. */}}
{{- define "todo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "todo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "todo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: todo-app
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Image reference `repository:tag`. The tag defaults to the chart's appVersion; `latest` is
refused because with it Kubernetes pulls Always and locally loaded images are ignored.
Call with (dict "image" .Values.backend.image "root" $ "what" "backend").
*/}}
{{- define "todo.image" -}}
{{- $tag := default .root.Chart.AppVersion .image.tag | toString }}
{{- if eq $tag "latest" }}
{{- fail (printf "%s.image.tag must be a fixed version, not 'latest' (with 'latest' Kubernetes pulls on every start and ignores images loaded into the cluster)" .what) }}
{{- end }}
{{- printf "%s:%s" .image.repository $tag }}
{{- end }}

{{/* Replicas a component keeps at least: the HPA floor when autoscaling, else replicaCount. */}}
{{- define "todo.minReplicas" -}}
{{- if .autoscaling.enabled }}{{ .autoscaling.minReplicas }}{{ else }}{{ .replicaCount }}{{ end }}
{{- end }}

{{/* Browser origins trusted by the auth endpoints: the value, or the Ingress host's origin. */}}
{{- define "todo.authTrustedOrigins" -}}
{{- if .Values.backend.authTrustedOrigins }}
{{- .Values.backend.authTrustedOrigins }}
{{- else if and .Values.ingress.enabled .Values.ingress.host }}
{{- printf "%s://%s" (ternary "https" "http" (gt (len .Values.ingress.tls) 0)) .Values.ingress.host }}
{{- end }}
{{- end }}

{{/* An httpGet probe with the common timing knobs. Call with (dict "probe" … "path" … "port" …). */}}
{{- define "todo.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
periodSeconds: {{ .probe.periodSeconds }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
{{- end }}

{{/*
Facts of the images, fixed by packages/contract/src/constants.ts (BACKEND_PORT,
FRONTEND_PORT, LIVENESS_PATH, READINESS_PATH, HEALTH_PATH): not values, because the
images decide them. tests/contract checks the rendered manifests against those constants.
*/}}
{{- define "todo.backend.port" -}}8000{{- end }}
{{- define "todo.frontend.port" -}}3000{{- end }}
{{- define "todo.backend.livenessPath" -}}/api/v1/health/live{{- end }}
{{- define "todo.backend.readinessPath" -}}/api/v1/health/ready{{- end }}
{{- define "todo.backend.healthPath" -}}/api/v1/health{{- end }}
