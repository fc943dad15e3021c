package policy

import (
	"errors"
	"log/slog"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/inventory"
	"github.com/sc8scan/sc8scan/pkg/policy/cilium"
	"github.com/sc8scan/sc8scan/pkg/policy/istio"
	"github.com/sc8scan/sc8scan/pkg/policy/linkerd"
)

// ErrNothingToEvaluate is returned when the inventory holds neither paths
// nor policy objects.
var ErrNothingToEvaluate = errors.New("the inventory has no paths and no mesh configuration to evaluate")

type options struct {
	log           *slog.Logger
	rootNamespace string
	clusterDomain string
	scanner       string
}

// Option configures Predict.
type Option func(*options)

// WithLogger sets the logger for debug messages. Default: discard.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithRootNamespace overrides Istio's root namespace. Default: the mesh
// config's rootNamespace, else the namespace of the istio ConfigMap, else
// istio-system.
func WithRootNamespace(ns string) Option { return func(o *options) { o.rootNamespace = ns } }

// WithClusterDomain sets the DNS suffix of Service hosts. Default:
// cluster.local.
func WithClusterDomain(d string) Option { return func(o *options) { o.clusterDomain = d } }

// WithScanner names the binary in the report header. Default: sc8scan.
func WithScanner(name string) Option { return func(o *options) { o.scanner = name } }

// Predict returns, for every path of inv, what the declared mesh policy
// predicts on the wire (Linkerd decides the paths that touch a
// Linkerd-meshed workload, Istio all others; Cilium's transparent
// encryption is added beside them), with the mesh-wide TLS settings and the findings on
// the policy objects. It fails only when nothing can be evaluated.
func Predict(inv *inventory.Inventory, opts ...Option) (*evidence.PolicyReport, error) {
	o := &options{log: slog.New(slog.DiscardHandler), scanner: "sc8scan"}
	for _, opt := range opts {
		opt(o)
	}
	if inv == nil || (len(inv.Paths) == 0 && len(inv.Objects) == 0 && len(inv.Services) == 0) {
		return nil, ErrNothingToEvaluate
	}
	e := istio.NewEngine(inv, istio.Config{RootNamespace: o.rootNamespace, ClusterDomain: o.clusterDomain, Logger: o.log})
	l := linkerd.NewEngine(inv)
	c := cilium.NewEngine(inv)
	rep := &evidence.PolicyReport{
		Header:   evidence.NewHeader(evidence.KindPolicyReport, o.scanner),
		Paths:    make([]evidence.PolicyPath, 0, len(inv.Paths)),
		Mesh:     e.Mesh(),
		Findings: append(e.Findings(), c.Findings...),
	}
	nl := 0
	kinds := make([]istio.Kinds, 0, len(inv.Paths))
	for _, p := range inv.Paths {
		var pp evidence.PolicyPath
		var k istio.Kinds
		if l.Applies(p) {
			pp = l.Predict(p)
			nl++
		} else {
			pp, k = e.PredictPathKinds(p)
		}
		c.Annotate(p, &pp)
		rep.Paths = append(rep.Paths, pp)
		kinds = append(kinds, k)
	}
	rep.Findings = append(rep.Findings, conflicts(rep.Paths, kinds)...)
	o.log.Debug("policy predicted", "paths", len(rep.Paths), "linkerdPaths", nl, "findings", len(rep.Findings))
	return rep, nil
}
