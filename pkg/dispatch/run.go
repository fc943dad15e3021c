package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/evidence/frame"
	"github.com/sc8scan/sc8scan/probes/plan"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const (
	// maxLogBytes bounds the log read from one pod.
	maxLogBytes = 256 << 20
	// maxDocBytes bounds one framed document.
	maxDocBytes = 512 << 20
	// pollEvery is how often the run looks at its Jobs and pods.
	pollEvery = time.Second
	// cleanupWithin bounds the clean-up after the run, whatever ended it.
	cleanupWithin = 90 * time.Second
	// admitWithin is how long a Job may go without a pod before the run
	// reads its events for the reason (Pod Security, quota, a bad spec).
	admitWithin = 20 * time.Second
	// sensorIdle is the line the sensor writes once its frames are out, on
	// the same stream after them.
	sensorIdle = "sc8sensor: capture window over; idle until stopped"
	// sensorCapturing is the line the sensor writes as it starts.
	sensorCapturing = "sc8sensor: capturing on "
)

// Result is the evidence a run brought back.
type Result struct {
	RunID string
	// Probes holds every probe pod's results, out of mesh and in mesh.
	// A Job whose report did not come back whole contributes one result
	// per target with the reason in Errors, never a partial report.
	Probes *evidence.ProbeReport
	// Flows merges the sensor pods' reports (nil without a sensor); the
	// flows are not yet mapped to the inventory (capture.MapFlows does).
	Flows *evidence.FlowReport
	// Problems say what did not go to plan, in words.
	Problems []string
}

// Run applies the run's objects through cfg, waits for the probe Jobs
// (and the sensor's window), reads the evidence from the pods' logs and
// deletes every object it made before returning, whether it succeeded,
// failed or ctx was cancelled.
func Run(ctx context.Context, cfg *rest.Config, p plan.Plan, o Options) (res *Result, err error) {
	if o.RunID == "" {
		o.RunID = NewRunID()
	}
	o, err = o.withDefaults()
	if err != nil {
		return nil, err
	}
	ob, err := Render(p, o)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to the cluster: %w", err)
	}
	r := &runner{cs: cs, o: o, ob: ob, plan: p, start: time.Now()}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupWithin)
		defer cancel()
		if cerr := r.cleanup(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("cleaning up run %s: %w", o.RunID, cerr))
		}
	}()
	if err := r.apply(ctx); err != nil {
		return nil, err
	}
	return r.wait(ctx)
}

type runner struct {
	cs      kubernetes.Interface
	o       Options
	ob      *Objects
	plan    plan.Plan
	start   time.Time
	created []string // namespaces this run created
	applied bool
	last    string // the last progress line
}

func (r *runner) progress(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if line == r.last {
		return
	}
	r.last = line
	r.o.Logger.Info(line, "run", r.ob.RunID)
	if r.o.Progress != nil {
		fmt.Fprintf(r.o.Progress, "[%s] %s\n", time.Since(r.start).Round(time.Second), line)
	}
}

// apply creates the run's namespaces (when missing) and then, in each,
// the lease first and everything else owned by it.
func (r *runner) apply(ctx context.Context) error {
	owner := map[string]metav1.OwnerReference{}
	for _, ns := range r.ob.Namespaces {
		got, err := r.cs.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
		if err == nil && got.DeletionTimestamp != nil {
			// A namespace still being deleted (the previous run's, say)
			// takes no new objects: wait until it is gone.
			err = r.gone(ctx, ns.Name)
		}
		switch {
		case apierrors.IsNotFound(err):
			if _, err := r.cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("creating namespace %s: %w", ns.Name, err)
			}
			r.created = append(r.created, ns.Name)
		case err != nil:
			return fmt.Errorf("reading namespace %s: %w", ns.Name, err)
		}
	}
	r.applied = true
	for _, l := range r.ob.Leases {
		got, err := r.cs.BatchV1().Jobs(l.Namespace).Create(ctx, l, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("creating lease Job %s/%s: %w", l.Namespace, l.Name, err)
		}
		owner[l.Namespace] = metav1.OwnerReference{APIVersion: "batch/v1", Kind: "Job", Name: got.Name, UID: got.UID}
	}
	own := func(m *metav1.ObjectMeta) { m.OwnerReferences = []metav1.OwnerReference{owner[m.Namespace]} }
	for _, a := range r.ob.Accounts {
		own(&a.ObjectMeta)
		if _, err := r.cs.CoreV1().ServiceAccounts(a.Namespace).Create(ctx, a, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating ServiceAccount %s/%s: %w", a.Namespace, a.Name, err)
		}
	}
	for _, c := range r.ob.ConfigMaps {
		own(&c.ObjectMeta)
		if _, err := r.cs.CoreV1().ConfigMaps(c.Namespace).Create(ctx, c, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating ConfigMap %s/%s: %w", c.Namespace, c.Name, err)
		}
	}
	for _, d := range r.ob.DaemonSets {
		own(&d.ObjectMeta)
		if _, err := r.cs.AppsV1().DaemonSets(d.Namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating DaemonSet %s/%s: %w", d.Namespace, d.Name, err)
		}
	}
	// The sensor starts first, so it sees the probes' own connections.
	if len(r.ob.DaemonSets) > 0 {
		r.sensorStarted(ctx)
	}
	for _, j := range r.ob.Jobs {
		own(&j.ObjectMeta)
		if _, err := r.cs.BatchV1().Jobs(j.Namespace).Create(ctx, j, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating Job %s/%s: %w", j.Namespace, j.Name, err)
		}
	}
	r.progress("applied run %s: %d probe Jobs (%d targets)%s", r.ob.RunID, len(r.ob.Jobs), len(r.plan.Targets), r.sensorNote())
	return nil
}

// sensorStarted waits, at most admitWithin, until every sensor pod says
// it is capturing; a sensor that does not start is reported when the run
// collects its flows, and the probes go ahead regardless.
func (r *runner) sensorStarted(ctx context.Context) {
	d := r.ob.DaemonSets[0]
	until := time.Now().Add(admitWithin)
	for time.Now().Before(until) && ctx.Err() == nil {
		ds, err := r.cs.AppsV1().DaemonSets(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
		list, lerr := r.cs.CoreV1().Pods(d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: LabelRun + "=" + r.ob.RunID + "," + LabelComponent + "=sensor"})
		if err == nil && lerr == nil && len(list.Items) > 0 && len(list.Items) >= int(ds.Status.DesiredNumberScheduled) {
			capturing := 0
			for i := range list.Items {
				if log, err := r.log(ctx, &list.Items[i], "sensor", 1<<20, true); err == nil && strings.Contains(log, sensorCapturing) {
					capturing++
				}
			}
			r.progress("sensor: %d of %d pods capturing", capturing, len(list.Items))
			if capturing == len(list.Items) {
				return
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(pollEvery):
		}
	}
}

// gone waits until a terminating namespace is deleted and returns the
// NotFound error that says so, or why it could not wait.
func (r *runner) gone(ctx context.Context, name string) error {
	until := time.Now().Add(cleanupWithin)
	for {
		_, err := r.cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		r.progress("waiting for namespace %s, still being deleted", name)
		if time.Now().After(until) {
			return fmt.Errorf("namespace %s is still being deleted after %s", name, cleanupWithin)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

func (r *runner) sensorNote() string {
	if len(r.ob.DaemonSets) == 0 {
		return ""
	}
	return fmt.Sprintf(", sensor DaemonSet capturing for %s", r.o.CaptureFor)
}

// jobState is what the run knows of one probe Job.
type jobState struct {
	job     *batchv1.Job
	done    bool
	outcome string // "" when it completed, else why not
	pod     *corev1.Pod
}

// wait follows the Jobs (and the sensor) to their end or the deadline,
// then collects what each left in its log.
func (r *runner) wait(ctx context.Context) (*Result, error) {
	deadline := r.start.Add(r.o.Deadline)
	jobs := make([]*jobState, len(r.ob.Jobs))
	for i, j := range r.ob.Jobs {
		jobs[i] = &jobState{job: j}
	}
	sensorDone := len(r.ob.DaemonSets) == 0
	var sensorPods []corev1.Pod
	var problems []string
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		done := 0
		view := r.listRun(ctx)
		for _, js := range jobs {
			if !js.done && view != nil {
				r.pollJob(ctx, js, view)
			}
			if js.done {
				done++
			}
		}
		status := fmt.Sprintf("probe Jobs: %d of %d finished", done, len(jobs))
		if !sensorDone {
			pods, ready, why := r.pollSensor(ctx)
			sensorPods = pods
			switch {
			case why != "":
				status += "; sensor: " + why
			case ready:
				sensorDone = true
			default:
				status += fmt.Sprintf("; sensor: %d pods capturing", len(pods))
			}
		}
		r.progress("%s", status)
		if done == len(jobs) && sensorDone {
			break
		}
		if time.Now().After(deadline) {
			problems = append(problems, fmt.Sprintf("the run's deadline of %s passed: %s", r.o.Deadline, status))
			for _, js := range jobs {
				if !js.done {
					js.done, js.outcome = true, "did not finish before the run's deadline"
				}
			}
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("run %s stopped: %w", r.ob.RunID, ctx.Err())
		case <-tick.C:
		}
	}
	res := &Result{RunID: r.ob.RunID, Problems: problems}
	res.Probes = r.collectProbes(ctx, jobs, &res.Problems)
	if len(r.ob.DaemonSets) > 0 {
		res.Flows = r.collectFlows(ctx, sensorPods, &res.Problems)
	}
	r.progress("collected %d probe results%s", len(res.Probes.Results), flowNote(res.Flows))
	return res, nil
}

func flowNote(f *evidence.FlowReport) string {
	if f == nil {
		return ""
	}
	return fmt.Sprintf(" and %d flows", len(f.Flows))
}

// runView is one look at the run's Jobs and pods, by namespace and name:
// two list calls per namespace a poll, however many Jobs the run has.
type runView struct {
	jobs map[[2]string]*batchv1.Job
	pods map[[2]string]*corev1.Pod // by the Job that owns it
}

// listRun lists the run's Jobs and pods, or returns nil when the API
// server did not answer (the next poll tries again).
func (r *runner) listRun(ctx context.Context) *runView {
	v := &runView{jobs: map[[2]string]*batchv1.Job{}, pods: map[[2]string]*corev1.Pod{}}
	sel := metav1.ListOptions{LabelSelector: LabelRun + "=" + r.ob.RunID + "," + LabelComponent + "=probe"}
	listed := map[string]bool{}
	for _, j := range r.ob.Jobs {
		ns := j.Namespace
		if listed[ns] {
			continue
		}
		listed[ns] = true
		jobs, err := r.cs.BatchV1().Jobs(ns).List(ctx, sel)
		if err != nil {
			return nil
		}
		for i := range jobs.Items {
			v.jobs[[2]string{ns, jobs.Items[i].Name}] = &jobs.Items[i]
		}
		pods, err := r.cs.CoreV1().Pods(ns).List(ctx, sel)
		if err != nil {
			return nil
		}
		for i := range pods.Items {
			p := &pods.Items[i]
			v.pods[[2]string{ns, p.Labels["batch.kubernetes.io/job-name"]}] = p
		}
	}
	return v
}

// pollJob updates a Job's state from a view of the run; a Job without a
// pod for a while has its events read for the reason.
func (r *runner) pollJob(ctx context.Context, js *jobState, v *runView) {
	ns, name := js.job.Namespace, js.job.Name
	j := v.jobs[[2]string{ns, name}]
	if j == nil {
		js.done, js.outcome = true, "the Job was deleted before it finished"
		return
	}
	if p := v.pods[[2]string{ns, name}]; p != nil {
		js.pod = p
	}
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			js.done = true
			return
		case batchv1.JobFailed:
			js.done, js.outcome = true, fmt.Sprintf("the Job failed (%s: %s)", c.Reason, c.Message)
			return
		}
	}
	if js.pod == nil && time.Since(r.start) > admitWithin {
		if why := r.events(ctx, ns, name, "Job"); why != "" {
			js.done, js.outcome = true, "no pod was created: "+why
		}
		return
	}
	if js.pod != nil {
		if why := stuck(js.pod); why != "" {
			js.done, js.outcome = true, why
		}
	}
}

// stuck says why a pod cannot start by itself, or "".
func stuck(p *corev1.Pod) string {
	for _, cs := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil {
			switch w.Reason {
			case "ErrImageNeverPull", "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "RunContainerError":
				return fmt.Sprintf("pod %s cannot start: %s: %s", p.Name, w.Reason, w.Message)
			}
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return fmt.Sprintf("pod %s cannot be scheduled: %s", p.Name, c.Message)
		}
	}
	return ""
}

// events returns the newest warning event's message about an object.
func (r *runner) events(ctx context.Context, ns, name, kind string) string {
	evs, err := r.cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name + ",involvedObject.kind=" + kind})
	if err != nil {
		return ""
	}
	var msgs []corev1.Event
	for _, e := range evs.Items {
		if e.Type == corev1.EventTypeWarning {
			msgs = append(msgs, e)
		}
	}
	if len(msgs) == 0 {
		return ""
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].LastTimestamp.Before(&msgs[j].LastTimestamp) })
	e := msgs[len(msgs)-1]
	return e.Reason + ": " + e.Message
}

// pollSensor lists the sensor pods and says whether every one has
// written its frames (ready), or why the sensor cannot run.
func (r *runner) pollSensor(ctx context.Context) (pods []corev1.Pod, ready bool, why string) {
	d := r.ob.DaemonSets[0]
	ds, err := r.cs.AppsV1().DaemonSets(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
	if err != nil {
		return nil, false, "reading the DaemonSet: " + err.Error()
	}
	list, err := r.cs.CoreV1().Pods(d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: LabelRun + "=" + r.ob.RunID + "," + LabelComponent + "=sensor"})
	if err != nil {
		return nil, false, "listing sensor pods: " + err.Error()
	}
	pods = list.Items
	if len(pods) == 0 {
		if time.Since(r.start) > admitWithin {
			if w := r.events(ctx, d.Namespace, d.Name, "DaemonSet"); w != "" {
				return nil, true, "no pod was created: " + w
			}
		}
		return nil, false, "waiting for pods"
	}
	if int(ds.Status.DesiredNumberScheduled) > len(pods) {
		return pods, false, fmt.Sprintf("%d of %d pods created", len(pods), ds.Status.DesiredNumberScheduled)
	}
	for i := range pods {
		if w := stuck(&pods[i]); w != "" {
			return pods, true, w
		}
	}
	for i := range pods {
		if pods[i].Status.Phase != corev1.PodRunning {
			return pods, false, fmt.Sprintf("pod %s %s", pods[i].Name, pods[i].Status.Phase)
		}
		if time.Since(r.start) < r.o.CaptureFor {
			return pods, false, ""
		}
		log, err := r.log(ctx, &pods[i], "sensor", 1<<20, true)
		if err != nil || !strings.Contains(log, sensorIdle) {
			return pods, false, fmt.Sprintf("waiting for %s to finish its window", pods[i].Name)
		}
	}
	return pods, true, ""
}

// log reads a pod's container log, at most limit bytes (tail: the last
// limit bytes only, for marker lines).
func (r *runner) log(ctx context.Context, p *corev1.Pod, container string, limit int64, tail bool) (string, error) {
	opts := &corev1.PodLogOptions{Container: container}
	if tail {
		opts.TailLines = ptr(int64(20))
	} else {
		opts.LimitBytes = ptr(limit + 1)
	}
	rc, err := r.cs.CoreV1().Pods(p.Namespace).GetLogs(p.Name, opts).Stream(ctx)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return "", err
	}
	if int64(len(b)) > limit {
		return "", fmt.Errorf("log of %s/%s is larger than %d bytes", p.Namespace, p.Name, limit)
	}
	return string(b), nil
}

// collectProbes reads each Job's framed ProbeReport. A Job that left no
// whole report yields, per target, a result that says why.
func (r *runner) collectProbes(ctx context.Context, jobs []*jobState, problems *[]string) *evidence.ProbeReport {
	out := &evidence.ProbeReport{Header: evidence.Header{APIVersion: evidence.APIVersion, Kind: evidence.KindProbeReport}}
	for i, js := range jobs {
		var rep *evidence.ProbeReport
		why := js.outcome
		if js.pod != nil {
			if err := r.meshed(js); err != nil {
				why = err.Error()
			} else if got, err := r.probeReport(ctx, js); err != nil {
				why = joinWhy(why, err.Error())
			} else {
				rep = got
			}
		} else if why == "" {
			why = "the Job ran no pod"
		}
		if rep != nil {
			if out.Scanner.Name == "" {
				out.Header = rep.Header
			}
			out.Results = append(out.Results, rep.Results...)
			continue
		}
		*problems = append(*problems, fmt.Sprintf("Job %s/%s: %s", js.job.Namespace, js.job.Name, why))
		var part plan.Plan
		if err := json.Unmarshal([]byte(r.ob.ConfigMaps[i].Data["plan.json"]), &part); err != nil {
			continue
		}
		out.Results = append(out.Results, unreported(part, why, r.start)...)
	}
	return out
}

// unreported stands for the results a probe pod did not bring back: one
// per target of its plan, untested, with why in its errors, so every cell
// those targets decide is an ERROR that says why, never a PASS.
func unreported(part plan.Plan, why string, started time.Time) []evidence.ProbeResult {
	out := make([]evidence.ProbeResult, 0, len(part.Targets))
	for _, t := range part.Targets {
		out = append(out, evidence.ProbeResult{
			Target:  evidence.Target{Host: t.Host, Port: t.Port, ServerName: t.ServerName, Scheme: t.Scheme, Service: t.Service},
			Vantage: part.Vantage,
			InMesh:  part.InMesh,
			Errors:  []string{"no report from the probe pod: " + why},
			Started: started,
		})
	}
	return out
}

func joinWhy(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// meshed checks that a pod of the in-mesh vantage really is in the mesh;
// otherwise its results would speak for a client outside it.
func (r *runner) meshed(js *jobState) error {
	if js.job.Namespace != r.o.MeshNamespace || r.o.MeshVantage == VantageNone {
		return nil
	}
	p := js.pod
	switch r.o.MeshVantage {
	case VantageSidecar:
		for _, c := range p.Spec.Containers {
			if c.Name == "istio-proxy" {
				return nil
			}
		}
		for _, c := range p.Spec.InitContainers {
			if c.Name == "istio-proxy" && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
				return nil
			}
		}
		return fmt.Errorf("the in-mesh vantage is not in the mesh: pod %s has no istio-proxy sidecar (is Istio's injector running for namespace %s?)", p.Name, p.Namespace)
	default:
		if p.Annotations["ambient.istio.io/redirection"] == "enabled" {
			return nil
		}
		return fmt.Errorf("the in-mesh vantage is not in the mesh: pod %s lacks ambient.istio.io/redirection=enabled (is Istio's CNI node agent running?)", p.Name)
	}
}

func (r *runner) probeReport(ctx context.Context, js *jobState) (*evidence.ProbeReport, error) {
	log, err := r.log(ctx, js.pod, "probe", maxLogBytes, false)
	if err != nil {
		return nil, fmt.Errorf("reading the log of pod %s: %w", js.pod.Name, err)
	}
	return reportFromLog(log, js.pod.Name, js.job.Name)
}

// reportFromLog finds the ProbeReport frame named job in the log of pod.
// A report whose frame is damaged or missing is an error, never a part of
// a report.
func reportFromLog(log, pod, job string) (*evidence.ProbeReport, error) {
	frames, ferr := frame.Read(strings.NewReader(log), maxDocBytes)
	for _, f := range frames {
		if f.Kind != evidence.KindProbeReport || f.Name != job {
			continue
		}
		var rep evidence.ProbeReport
		if err := json.Unmarshal(f.Data, &rep); err != nil {
			return nil, fmt.Errorf("the report of pod %s is not a ProbeReport: %w", pod, err)
		}
		return &rep, nil
	}
	if ferr != nil {
		return nil, fmt.Errorf("the report in the log of pod %s is damaged: %w", pod, ferr)
	}
	return nil, fmt.Errorf("the log of pod %s holds no report%s", pod, lastLine(log))
}

// lastLine quotes the end of a log, which says why a program stopped.
func lastLine(log string) string {
	log = strings.TrimSpace(log)
	if log == "" {
		return " (the log is empty)"
	}
	if i := strings.LastIndexByte(log, '\n'); i >= 0 {
		log = log[i+1:]
	}
	if len(log) > 300 {
		log = log[:300]
	}
	return fmt.Sprintf(" (it ends: %q)", log)
}

// collectFlows reads each sensor pod's framed FlowReports and merges them.
func (r *runner) collectFlows(ctx context.Context, pods []corev1.Pod, problems *[]string) *evidence.FlowReport {
	var out *evidence.FlowReport
	for i := range pods {
		p := &pods[i]
		log, err := r.log(ctx, p, "sensor", maxLogBytes, false)
		if err != nil {
			*problems = append(*problems, fmt.Sprintf("sensor pod %s on node %s: reading its log: %v", p.Name, p.Spec.NodeName, err))
			continue
		}
		frames, ferr := frame.Read(strings.NewReader(log), maxDocBytes)
		if ferr != nil {
			*problems = append(*problems, fmt.Sprintf("sensor pod %s on node %s: %v", p.Name, p.Spec.NodeName, ferr))
		}
		if len(frames) == 0 && ferr == nil {
			*problems = append(*problems, fmt.Sprintf("sensor pod %s on node %s: no report in its log%s", p.Name, p.Spec.NodeName, lastLine(log)))
		}
		for _, f := range frames {
			if f.Kind != evidence.KindFlowReport {
				continue
			}
			var rep evidence.FlowReport
			if err := json.Unmarshal(f.Data, &rep); err != nil {
				*problems = append(*problems, fmt.Sprintf("sensor pod %s: frame %s is not a FlowReport: %v", p.Name, f.Name, err))
				continue
			}
			rep.Input = "sensor " + f.Name
			if out == nil {
				out = &rep
			} else {
				out.Merge(&rep)
			}
		}
	}
	if out == nil {
		out = &evidence.FlowReport{Header: evidence.Header{APIVersion: evidence.APIVersion, Kind: evidence.KindFlowReport}, Input: "sensor (no report came back)"}
	}
	return out
}
