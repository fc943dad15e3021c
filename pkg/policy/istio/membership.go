package istio

import (
	"strconv"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// Labels and annotations that decide mesh membership.
const (
	labelInjection     = "istio-injection"
	labelRevision      = "istio.io/rev"
	labelInject        = "sidecar.istio.io/inject"
	labelDataplaneMode = "istio.io/dataplane-mode"
	labelTLSMode       = "security.istio.io/tlsMode"
	labelUseWaypoint   = "istio.io/use-waypoint"
	annSidecarStatus   = "sidecar.istio.io/status"
	annExcludeInbound  = "traffic.sidecar.istio.io/excludeInboundPorts"
	annRedirection     = "ambient.istio.io/redirection"
	proxyContainer     = "istio-proxy"
)

// meshOfWorkload returns the workload's mesh kind. discover's decision wins
// when it made one; otherwise the kind is inferred from the pod template and
// the namespace labels, with a sidecar winning over ambient capture
// (istio.io add-workloads).
func meshOfWorkload(w *inventory.Workload, nsLabels map[string]string) (kind, reason string) {
	if w.Mesh.Kind != "" {
		return w.Mesh.Kind, w.Mesh.Reason
	}
	return inferMesh(w.PodLabels, w.PodAnnotations, w.Containers, w.InitContainers, nsLabels)
}

func inferMesh(labels, anns map[string]string, cs, inits []inventory.Container, nsLabels map[string]string) (string, string) {
	if _, ok := anns[annSidecarStatus]; ok {
		return inventory.MeshSidecar, "pod carries the " + annSidecarStatus + " annotation (sidecar injected)"
	}
	for _, c := range append(append([]inventory.Container(nil), cs...), inits...) {
		if c.Name == proxyContainer {
			return inventory.MeshSidecar, "pod runs an istio-proxy container"
		}
	}
	injectOff := labels[labelInject] == "false" || anns[labelInject] == "false"
	if !injectOff {
		switch {
		case labels[labelInject] == "true":
			return inventory.MeshSidecar, "pod label " + labelInject + "=true"
		case nsLabels[labelInjection] == "enabled":
			return inventory.MeshSidecar, "namespace label " + labelInjection + "=enabled"
		case nsLabels[labelRevision] != "" && nsLabels[labelInjection] != "disabled":
			return inventory.MeshSidecar, "namespace label " + labelRevision + "=" + nsLabels[labelRevision]
		}
	}
	if labels[labelDataplaneMode] == "none" {
		return inventory.MeshNone, "pod label " + labelDataplaneMode + "=none"
	}
	if _, ok := anns[annRedirection]; ok {
		return inventory.MeshAmbient, "pod carries the " + annRedirection + " annotation (captured by ztunnel)"
	}
	if labels[labelDataplaneMode] == "ambient" {
		return inventory.MeshAmbient, "pod label " + labelDataplaneMode + "=ambient"
	}
	if nsLabels[labelDataplaneMode] == "ambient" {
		return inventory.MeshAmbient, "namespace label " + labelDataplaneMode + "=ambient"
	}
	return inventory.MeshNone, "no sidecar and not captured by ambient"
}

// excludedPorts returns the inbound ports the sidecar does not capture.
func excludedPorts(m inventory.Mesh, anns map[string]string) []int32 {
	if len(m.ExcludeInboundPorts) > 0 {
		return m.ExcludeInboundPorts
	}
	var out []int32
	for _, f := range strings.Split(anns[annExcludeInbound], ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 && n < 65536 {
			out = append(out, int32(n))
		}
	}
	return out
}

// selects reports whether every label of sel is in labels. An empty
// selector selects everything.
func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if lv, ok := labels[k]; !ok || lv != v {
			return false
		}
	}
	return true
}
