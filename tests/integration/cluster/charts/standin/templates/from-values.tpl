{{- /* A custom resource whose spec sections are copied from the values, as charts like the GPU Operator's do. */ -}}
{{- with .Values.standin.fromValues }}
apiVersion: {{ .apiVersion }}
kind: {{ .kind }}
metadata:
  name: {{ .name }}
spec:
  {{- range $key, $value := .static }}
  {{ $key }}: {{ toJson $value }}
  {{- end }}
  {{- range .sections }}
  {{ . }}: {{ toJson (index $.Values .) }}
  {{- end }}
{{- end }}
