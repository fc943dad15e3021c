package istio

import (
	"sort"
	"strings"

	meshv1 "istio.io/api/mesh/v1alpha1"
	"sigs.k8s.io/yaml"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
)

// DefaultRootNamespace is MeshConfig.rootNamespace when nothing sets it.
const DefaultRootNamespace = "istio-system"

// defaultInboundCiphers is the cipher list istiod puts on inbound mesh mTLS
// listeners when meshMTLS.cipherSuites is empty (SupportedCiphers in
// pilot/pkg/security/authn/utils). AES256-GCM-SHA384 and AES128-GCM-SHA256
// are not forward-secret.
var defaultInboundCiphers = []string{
	"ECDHE-ECDSA-AES256-GCM-SHA384",
	"ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-AES128-GCM-SHA256",
	"ECDHE-RSA-AES128-GCM-SHA256",
	"AES256-GCM-SHA384",
	"AES128-GCM-SHA256",
}

// fips1402Ciphers are the ciphers istiod keeps under COMPLIANCE_POLICY=fips-140-2
// (pkg/model/fips.go), which also pins TLS 1.2.
var fips1402Ciphers = []string{
	"ECDHE-ECDSA-AES128-GCM-SHA256",
	"ECDHE-RSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384",
	"ECDHE-RSA-AES256-GCM-SHA384",
}

// meshSettings is what the engine takes from MeshConfig and istiod.
type meshSettings struct {
	root            string
	autoMTLS        bool
	exportTo        []string // defaultDestinationRuleExportTo
	outboundMode    string
	minVersion      string
	ciphers         []string
	compliance      string
	source          string // ns/name of the ConfigMap read, or ""
	explicitCiphers bool
}

// readMesh finds the mesh config (ConfigMap istio, or istio-<rev>, key
// mesh) and istiod's COMPLIANCE_POLICY. rootOverride, when set, wins over the
// mesh config's rootNamespace.
func (d *decoder) readMesh(inv *inventory.Inventory, rootOverride string) meshSettings {
	ms := meshSettings{root: DefaultRootNamespace, autoMTLS: true, outboundMode: "ALLOW_ANY"}
	var cms []inventory.Object
	for _, o := range inv.ObjectsOfKind("ConfigMap") {
		if o.Name == "istio" || strings.HasPrefix(o.Name, "istio-") && o.Name != "istio-ca-root-cert" && o.Name != "istio-sidecar-injector" && !strings.HasPrefix(o.Name, "istio-sidecar-injector-") && !strings.HasPrefix(o.Name, "istio-gateway-") && !strings.HasPrefix(o.Name, "istio-leader") {
			cms = append(cms, o)
		}
	}
	// Prefer the default revision's "istio", then by namespace and name.
	sort.SliceStable(cms, func(i, j int) bool {
		if (cms[i].Name == "istio") != (cms[j].Name == "istio") {
			return cms[i].Name == "istio"
		}
		if cms[i].Namespace != cms[j].Namespace {
			return cms[i].Namespace < cms[j].Namespace
		}
		return cms[i].Name < cms[j].Name
	})
	var cfg *meshv1.MeshConfig
	for _, o := range cms {
		env, m, ok := d.open(o)
		if !ok {
			continue
		}
		text, ok := env.Data["mesh"]
		if !ok {
			continue
		}
		if cfg != nil {
			d.add(SevInfo, m, "another mesh config (%s) is read first; this one (a revision's) is not evaluated", ms.source)
			continue
		}
		js, err := yaml.YAMLToJSON([]byte(text))
		if err != nil {
			d.add(SevError, m, "key mesh is not YAML (%v); mesh defaults assumed", err)
			continue
		}
		c := &meshv1.MeshConfig{}
		if !d.decodeAt(m, "data.mesh", js, c) {
			continue
		}
		cfg = c
		ms.source = m.ref()
		ms.root = m.Namespace // istiod's own namespace is the default root
	}
	if cfg != nil {
		if r := cfg.GetRootNamespace(); r != "" {
			ms.root = r
		}
		if v := cfg.GetEnableAutoMtls(); v != nil {
			ms.autoMTLS = v.GetValue()
		}
		ms.exportTo = cfg.GetDefaultDestinationRuleExportTo()
		if p := cfg.GetOutboundTrafficPolicy(); p != nil {
			ms.outboundMode = p.GetMode().String()
		}
		if t := cfg.GetMeshMTLS(); t != nil {
			if v := t.GetMinProtocolVersion(); v != meshv1.MeshConfig_TLSConfig_TLS_AUTO {
				ms.minVersion = v.String()
			}
			if len(t.GetCipherSuites()) > 0 {
				ms.ciphers = t.GetCipherSuites()
				ms.explicitCiphers = true
			}
		}
	}
	if rootOverride != "" {
		ms.root = rootOverride
	}
	if ms.minVersion == "" {
		ms.minVersion = "TLSV1_2" // TLS_AUTO means TLS 1.2 on inbound mesh mTLS
	}
	if ms.ciphers == nil {
		ms.ciphers = defaultInboundCiphers
	}
	ms.compliance = compliancePolicy(inv)
	if ms.compliance == "fips-140-2" {
		ms.minVersion = "TLSV1_2"
		var kept []string
		for _, c := range ms.ciphers {
			if contains(fips1402Ciphers, c) {
				kept = append(kept, c)
			}
		}
		ms.ciphers = kept
	}
	return ms
}

// compliancePolicy returns istiod's COMPLIANCE_POLICY, read from the
// environment of the istiod (pilot discovery) containers.
func compliancePolicy(inv *inventory.Inventory) string {
	for _, w := range inv.Workloads {
		if !strings.HasPrefix(w.Name, "istiod") {
			continue
		}
		for _, c := range w.Containers {
			if v, ok := c.Env["COMPLIANCE_POLICY"]; ok {
				return v
			}
		}
	}
	return ""
}

func (ms meshSettings) report(gws []evidence.GatewayTLS) *evidence.MeshTLS {
	return &evidence.MeshTLS{
		MinProtocolVersion: ms.minVersion,
		CipherSuites:       append([]string(nil), ms.ciphers...),
		CompliancePolicy:   ms.compliance,
		Gateways:           gws,
	}
}
