{{- define "clustermesh-operator.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "clustermesh-operator.selector" -}}
app.kubernetes.io/name: clustermesh-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "clustermesh-operator.labels" -}}
{{ include "clustermesh-operator.selector" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
