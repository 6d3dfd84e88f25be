{{- range .Values.standin.objects }}
---
{{ toYaml . }}
{{- end }}
