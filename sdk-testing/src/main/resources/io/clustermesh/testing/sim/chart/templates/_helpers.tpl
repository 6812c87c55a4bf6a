{{/* The CA: the values' tls.ca, else the one already in the cluster (lookup), else a new one (genCA), as the real chart. */}}
{{- define "lab.ca" -}}
{{- if .Values.tls.ca.cert -}}
{{- $ca := buildCustomCert .Values.tls.ca.cert .Values.tls.ca.key -}}
{{- $_ := set .Values "_ca" $ca -}}
{{- else if .Values.lab.existingCa.cert -}}
{{- $ca := buildCustomCert .Values.lab.existingCa.cert .Values.lab.existingCa.key -}}
{{- $_ := set .Values "_ca" $ca -}}
{{- else if not .Values._ca -}}
{{- $ca := genCA "Cilium CA" (.Values.tls.ca.certValidityDuration | int) -}}
{{- $_ := set .Values "_ca" $ca -}}
{{- end -}}
{{- end -}}

{{/* Whether the clustermesh-apiserver certificates are issued here (auto method helm). */}}
{{- define "lab.helmCerts" -}}
{{- if and .Values.clustermesh.apiserver.tls.auto.enabled (eq .Values.clustermesh.apiserver.tls.auto.method "helm") -}}true{{- end -}}
{{- end -}}

{{/* The peers of clustermesh.config.clusters, list (< 1.20) or map (>= 1.20) form, entries with enabled: false left out, as a list of {name, port, ips, address}. */}}
{{- define "lab.peers" -}}
{{- $out := list -}}
{{- $clusters := .Values.clustermesh.config.clusters -}}
{{- if kindIs "map" $clusters -}}
{{- range $name, $c := $clusters -}}
{{- if not (and (hasKey $c "enabled") (eq (toString $c.enabled) "false")) -}}
{{- $out = append $out (dict "name" $name "port" ($c.port | default 2379) "ips" ($c.ips | default list) "address" ($c.address | default "")) -}}
{{- end -}}
{{- end -}}
{{- else -}}
{{- range $c := $clusters -}}
{{- if not (and (hasKey $c "enabled") (eq (toString $c.enabled) "false")) -}}
{{- $out = append $out (dict "name" $c.name "port" ($c.port | default 2379) "ips" ($c.ips | default list) "address" ($c.address | default "")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "peers" $out) -}}
{{- end -}}

{{/* hostAliases: <peer>.<domain> resolves to the peer's IPs (charts up to 1.19). */}}
{{- define "lab.hostAliases" -}}
{{- $domain := .Values.clustermesh.config.domain -}}
{{- range $p := (include "lab.peers" . | fromJson).peers }}
{{- range $ip := $p.ips }}
- ip: {{ $ip | quote }}
  hostnames:
  - {{ printf "%s.%s" $p.name $domain | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* An etcd client configuration as the agents read it (the Cilium chart's clustermesh secrets). */}}
{{- define "lab.etcdConfig" -}}
endpoints:
- {{ .endpoint }}
trusted-ca-file: /var/lib/cilium/clustermesh/{{ .files }}-ca.crt
key-file: /var/lib/cilium/clustermesh/{{ .files }}.key
cert-file: /var/lib/cilium/clustermesh/{{ .files }}.crt
{{ end -}}
