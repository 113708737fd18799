{{/* Names, labels and the few constants the chart and the driver must agree on (test/chart checks them). */}}

{{- define "zfs-csi.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "zfs-csi.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "zfs-csi.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "zfs-csi.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "zfs-csi.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "zfs-csi.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: zfs-csi
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels; call with (dict "root" $ "component" "controller"). */}}
{{- define "zfs-csi.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zfs-csi.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "zfs-csi.controllerServiceAccount" -}}
{{- default (printf "%s-controller" (include "zfs-csi.fullname" .)) .Values.serviceAccount.controller.name -}}
{{- end -}}

{{- define "zfs-csi.nodeServiceAccount" -}}
{{- default (printf "%s-node" (include "zfs-csi.fullname" .)) .Values.serviceAccount.node.name -}}
{{- end -}}

{{/* The transfer signer's CA Secret and CA bundle ConfigMap (one name, two kinds). */}}
{{- define "zfs-csi.transferCa" -}}
{{- printf "%s-transfer-ca" (include "zfs-csi.fullname" .) -}}
{{- end -}}

{{/*
The signerName of transfer certificates: the driver's own (src/store/kube/csr.ts transferSignerName), or with
certificates=certManager cert-manager's name for the issuer (https://cert-manager.io/docs/usage/kube-csr/).
*/}}
{{- define "zfs-csi.transferSigner" -}}
{{- if eq .Values.node.transfer.certificates "certManager" -}}
{{- if eq .Values.node.transfer.certManager.issuerKind "Issuer" -}}
{{- printf "issuers.cert-manager.io/%s.%s" (default .Release.Namespace .Values.node.transfer.certManager.issuerNamespace) (required "node.transfer.certManager.issuerName is required with certificates=certManager" .Values.node.transfer.certManager.issuerName) -}}
{{- else -}}
{{- printf "clusterissuers.cert-manager.io/%s" (required "node.transfer.certManager.issuerName is required with certificates=certManager" .Values.node.transfer.certManager.issuerName) -}}
{{- end -}}
{{- else -}}
{{- include "zfs-csi.ownTransferSigner" . -}}
{{- end -}}
{{- end -}}

{{/* The driver's own signer, the only one the controller ever signs for. */}}
{{- define "zfs-csi.ownTransferSigner" -}}
{{- printf "%s/transfer" .Values.driverName -}}
{{- end -}}

{{/* The ConfigMap (in the release namespace) whose ca.crt the agents trust: the controller's, or yours. */}}
{{- define "zfs-csi.transferCaConfigMap" -}}
{{- if eq .Values.node.transfer.certificates "certManager" -}}
{{- required "node.transfer.certManager.caConfigMap is required with certificates=certManager" .Values.node.transfer.certManager.caConfigMap -}}
{{- else -}}
{{- include "zfs-csi.transferCa" . -}}
{{- end -}}
{{- end -}}

{{/* A pinned image reference; call with an image values object. */}}
{{- define "zfs-csi.image" -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}

{{- define "zfs-csi.driverImage" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The topology segment key the driver reports in NodeGetInfo (src/domain/types.ts TOPOLOGY_NODE_KEY). */}}
{{- define "zfs-csi.topologyKey" -}}
zfs.csi.dev/node
{{- end -}}

{{/* Where the CSI socket lives inside every container of a pod (the socket volume's mount path). */}}
{{- define "zfs-csi.socketDir" -}}
/csi
{{- end -}}

{{- define "zfs-csi.socketPath" -}}
{{- printf "%s/csi.sock" (include "zfs-csi.socketDir" .) -}}
{{- end -}}

{{/* The kubelet's per-driver plugin directory on the host; the registrar registers the socket in it. */}}
{{- define "zfs-csi.pluginDir" -}}
{{- printf "%s/plugins/%s" (trimSuffix "/" .Values.node.kubeletDir) .Values.driverName -}}
{{- end -}}

{{/* The argv prefix that reaches the host's zfs (DESIGN.md §4 rule 1, §6). */}}
{{- define "zfs-csi.zfsPrefix" -}}
{{- if .Values.node.zfsPrefix -}}
{{- .Values.node.zfsPrefix -}}
{{- else if eq .Values.node.hostAccess "chroot" -}}
/usr/sbin/chroot /host
{{- else -}}
/usr/bin/nsenter --target 1 --mount --
{{- end -}}
{{- end -}}

{{- define "zfs-csi.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ if kindIs "string" . }}{{ . }}{{ else }}{{ .name }}{{ end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The hardened container securityContext (issue 4 §1): no privilege, nothing writable but volumes. */}}
{{- define "zfs-csi.restrictedContainer" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}
