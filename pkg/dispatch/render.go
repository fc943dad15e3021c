package dispatch

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/probes/plan"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// Labels every object of a run carries.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelComponent = "app.kubernetes.io/component"
	LabelRun       = "sc8scan.dev/run"
	managedBy      = "sc8scan"
	// probeUID is the probe and lease containers' user (the image's nonroot).
	probeUID = 65532
	// probeJobTTL keeps a finished probe Job (and its log) this long for a
	// scanner that reads it late; the scanner deletes it sooner.
	probeJobTTL = 600
)

// Objects are everything one run applies, in apply order within each
// namespace: the namespace, the probe ServiceAccount, the lease Job, then
// what the lease owns.
type Objects struct {
	RunID      string
	Namespaces []*corev1.Namespace
	Accounts   []*corev1.ServiceAccount
	Leases     []*batchv1.Job
	ConfigMaps []*corev1.ConfigMap
	Jobs       []*batchv1.Job
	DaemonSets []*appsv1.DaemonSet
}

// NewRunID returns a random run id: 8 hex digits.
func NewRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Render returns the objects of a run probing p's targets under o. It is
// pure: the same plan and options give the same objects (o.RunID must be
// set; Run sets it).
func Render(p plan.Plan, o Options) (*Objects, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.RunID == "" {
		return nil, fmt.Errorf("rendering a run needs its id")
	}
	ob := &Objects{RunID: o.RunID}
	ob.addProbes(p, o, o.Namespace, "out of mesh", false)
	if o.MeshVantage != VantageNone {
		ob.addProbes(p, o, o.MeshNamespace, "in mesh ("+o.MeshVantage+")", true)
	}
	if o.CaptureFor > 0 {
		ob.addSensor(o)
	}
	return ob, nil
}

func (ob *Objects) labels(component string) map[string]string {
	return map[string]string{LabelManagedBy: managedBy, LabelComponent: component, LabelRun: ob.RunID}
}

func (ob *Objects) leaseName() string { return "sc8scan-" + ob.RunID }

// namespace renders one of the run's namespaces. Pod Security: enforce,
// warn and audit at the given level.
func (ob *Objects) namespace(name, enforce string, mesh map[string]string) *corev1.Namespace {
	l := map[string]string{
		LabelManagedBy:                               managedBy,
		"pod-security.kubernetes.io/enforce":         enforce,
		"pod-security.kubernetes.io/enforce-version": "latest",
		"pod-security.kubernetes.io/warn":            enforce,
		"pod-security.kubernetes.io/audit":           enforce,
	}
	for k, v := range mesh {
		l[k] = v
	}
	return &corev1.Namespace{TypeMeta: typeMeta("v1", "Namespace"), ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}}
}

// outsideMesh are the labels that keep a namespace or pod out of Istio:
// no sidecar injection, no ambient capture.
var outsideMesh = map[string]string{"istio-injection": "disabled", "istio.io/dataplane-mode": "none"}

// addNamespace adds a namespace with its probe ServiceAccount (no token,
// no role: the pods need no API access) and its lease.
func (ob *Objects) addNamespace(ns *corev1.Namespace, o Options) {
	ob.Namespaces = append(ob.Namespaces, ns)
	ob.Accounts = append(ob.Accounts, &corev1.ServiceAccount{
		TypeMeta:                     typeMeta("v1", "ServiceAccount"),
		ObjectMeta:                   metav1.ObjectMeta{Name: ob.leaseName(), Namespace: ns.Name, Labels: ob.labels("probe")},
		AutomountServiceAccountToken: ptr(false),
	})
	lease := &batchv1.Job{
		TypeMeta:   typeMeta("batch/v1", "Job"),
		ObjectMeta: metav1.ObjectMeta{Name: ob.leaseName(), Namespace: ns.Name, Labels: ob.labels("lease")},
		Spec: batchv1.JobSpec{
			// No pod ever runs: the lease only counts down. Past its
			// deadline the Job fails, its TTL deletes it, and the garbage
			// collector deletes everything it owns.
			Parallelism:             ptr(int32(0)),
			Completions:             ptr(int32(1)),
			BackoffLimit:            ptr(int32(0)),
			ActiveDeadlineSeconds:   ptr(int64((o.Deadline + o.LeaseGrace).Seconds())),
			TTLSecondsAfterFinished: ptr(int32(0)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: mergeLabels(ob.labels("lease"), podOutsideMesh)},
				Spec:       restrictedPod(o, ob.leaseName(), []string{"/sc8probe", "-h"}, nil),
			},
		},
	}
	ob.Leases = append(ob.Leases, lease)
}

var podOutsideMesh = map[string]string{"sidecar.istio.io/inject": "false", "istio.io/dataplane-mode": "none"}

func (ob *Objects) addProbes(p plan.Plan, o Options, nsName, vantage string, inMesh bool) {
	var ns *corev1.Namespace
	podLabels := podOutsideMesh
	var podAnnotations map[string]string
	args := []string{"-plan", "/plan/plan.json"}
	switch {
	case !inMesh:
		ns = ob.namespace(nsName, "restricted", outsideMesh)
	case o.MeshVantage == VantageSidecar:
		// The sidecar's init container needs NET_ADMIN and NET_RAW, which
		// no profile short of privileged admits (unless the Istio CNI
		// plugin replaces it).
		ns = ob.namespace(nsName, "privileged", map[string]string{"istio-injection": "enabled"})
		podLabels = map[string]string{"sidecar.istio.io/inject": "true"}
		podAnnotations = map[string]string{"proxy.istio.io/config": `{"holdApplicationUntilProxyStarts": true}`}
		args = append(args, "-istio-quit")
	default:
		ns = ob.namespace(nsName, "restricted", map[string]string{"istio.io/dataplane-mode": "ambient"})
		podLabels = map[string]string{"istio.io/dataplane-mode": "ambient"}
	}
	ob.addNamespace(ns, o)
	for i := 0; i == 0 || i*o.TargetsPerJob < len(p.Targets); i++ {
		end := min((i+1)*o.TargetsPerJob, len(p.Targets))
		part := p
		part.APIVersion, part.Kind = evidence.APIVersion, "ProbePlan"
		part.Targets = p.Targets[i*o.TargetsPerJob : end]
		name := fmt.Sprintf("%s-probe-%d", ob.leaseName(), i)
		part.Vantage = fmt.Sprintf("in-cluster pod of Job %s/%s, %s", nsName, name, vantage)
		if inMesh {
			part.InMesh = o.MeshVantage
		}
		b, _ := json.Marshal(part)
		ob.ConfigMaps = append(ob.ConfigMaps, &corev1.ConfigMap{
			TypeMeta:   typeMeta("v1", "ConfigMap"),
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: nsName, Labels: ob.labels("probe")},
			Data:       map[string]string{"plan.json": string(b)},
		})
		spec := restrictedPod(o, ob.leaseName(), []string{"/sc8probe"}, append(args, "-frame", name))
		spec.Volumes = []corev1.Volume{{Name: "plan", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}}}}
		spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "plan", MountPath: "/plan", ReadOnly: true}}
		spec.Containers[0].Resources = resources("250m", "64Mi", "1", "256Mi")
		ob.Jobs = append(ob.Jobs, &batchv1.Job{
			TypeMeta:   typeMeta("batch/v1", "Job"),
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: nsName, Labels: ob.labels("probe")},
			Spec: batchv1.JobSpec{
				BackoffLimit:            ptr(int32(0)),
				ActiveDeadlineSeconds:   ptr(int64(o.Deadline.Seconds())),
				TTLSecondsAfterFinished: ptr(int32(probeJobTTL)),
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: mergeLabels(ob.labels("probe"), podLabels), Annotations: podAnnotations},
					Spec:       spec,
				},
			},
		})
	}
}

// restrictedPod is a pod spec that the restricted Pod Security profile
// admits: non-root, no privilege escalation, every capability dropped,
// RuntimeDefault seccomp, read-only root, no service-account token.
func restrictedPod(o Options, account string, command, args []string) corev1.PodSpec {
	return corev1.PodSpec{
		RestartPolicy:                corev1.RestartPolicyNever,
		ServiceAccountName:           account,
		AutomountServiceAccountToken: ptr(false),
		EnableServiceLinks:           ptr(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr(true),
			RunAsUser:      ptr(int64(probeUID)),
			RunAsGroup:     ptr(int64(probeUID)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{
			Name:            "probe",
			Image:           o.Image,
			ImagePullPolicy: o.PullPolicy,
			Command:         command,
			Args:            args,
			Resources:       resources("10m", "16Mi", "100m", "32Mi"),
			SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr(false),
				ReadOnlyRootFilesystem:   ptr(true),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
		}},
	}
}

// addSensor adds the sensor's namespace (privileged: hostNetwork), lease
// and DaemonSet. The sensor runs as root with every capability dropped
// but NET_RAW (a non-root user does not receive added capabilities),
// captures for the window, writes one frame per interface and idles.
func (ob *Objects) addSensor(o Options) {
	ns := ob.namespace(o.SensorNamespace, "privileged", outsideMesh)
	ob.addNamespace(ns, o)
	name := ob.leaseName() + "-sensor"
	labels := ob.labels("sensor")
	spec := restrictedPod(o, ob.leaseName(), []string{"/sc8sensor"}, []string{
		"-interface", o.CaptureInterfaces, "-duration", o.CaptureFor.String(), "-hold", "-frame", "$(NODE_NAME)", "-period", o.CaptureFor.String(),
	})
	spec.RestartPolicy = corev1.RestartPolicyAlways
	spec.HostNetwork = true
	spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
	spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
	spec.SecurityContext.RunAsNonRoot = ptr(false)
	spec.SecurityContext.RunAsUser = ptr(int64(0))
	spec.SecurityContext.RunAsGroup = ptr(int64(0))
	c := &spec.Containers[0]
	c.Name = "sensor"
	c.Env = []corev1.EnvVar{{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}}
	c.Resources = resources("100m", "128Mi", "1", "512Mi")
	c.SecurityContext.Capabilities.Add = []corev1.Capability{"NET_RAW"}
	ob.DaemonSets = append(ob.DaemonSets, &appsv1.DaemonSet{
		TypeMeta:   typeMeta("apps/v1", "DaemonSet"),
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns.Name, Labels: labels},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelRun: ob.RunID, LabelComponent: "sensor"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: mergeLabels(labels, podOutsideMesh)},
				Spec:       spec,
			},
		},
	})
}

func resources(cpuReq, memReq, cpuLim, memLim string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuReq), corev1.ResourceMemory: resource.MustParse(memReq)},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuLim), corev1.ResourceMemory: resource.MustParse(memLim)},
	}
}

// List returns every object in apply order.
func (ob *Objects) List() []runtime.Object {
	var out []runtime.Object
	for _, ns := range ob.Namespaces {
		out = append(out, ns)
		out = appendIn(out, ns.Name, ob.Accounts)
		out = appendIn(out, ns.Name, ob.Leases)
		out = appendIn(out, ns.Name, ob.ConfigMaps)
		out = appendIn(out, ns.Name, ob.Jobs)
		out = appendIn(out, ns.Name, ob.DaemonSets)
	}
	return out
}

// appendIn appends the objects of namespace ns.
func appendIn[T interface {
	runtime.Object
	GetNamespace() string
}](out []runtime.Object, ns string, objs []T) []runtime.Object {
	for _, o := range objs {
		if o.GetNamespace() == ns {
			out = append(out, o)
		}
	}
	return out
}

// WriteYAML writes every object as one multi-document YAML stream, in
// apply order, as `kubectl apply -f -` takes it. The objects a lease owns
// are written without their ownerReferences: those name the lease's UID,
// which only the API server assigns (Run adds them when it applies).
func (ob *Objects) WriteYAML(w io.Writer) error {
	for i, o := range ob.List() {
		b, err := cleanYAML(o)
		if err != nil {
			return fmt.Errorf("rendering object %d: %w", i, err)
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// cleanYAML renders an object without the fields a typed object always
// carries and the API server sets (status, creationTimestamp).
func cleanYAML(o runtime.Object) ([]byte, error) {
	j, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	var strip func(v any)
	strip = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			delete(t, "creationTimestamp")
			for _, x := range t {
				strip(x)
			}
		case []any:
			for _, x := range t {
				strip(x)
			}
		}
	}
	strip(m)
	return yaml.Marshal(m)
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func mergeLabels(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
