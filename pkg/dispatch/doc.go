// Package dispatch runs the probes and the packet sensor inside a cluster
// and brings their evidence back: it renders the objects of a run (probe
// Jobs with their plans, an optional in-mesh probe vantage, an optional
// sensor DaemonSet), applies them, waits with progress, reads each pod's
// log, verifies the framed documents in it (package probes/frame) and
// removes everything it made, on success, failure and cancellation.
//
// What a killed scanner leaves behind cleans itself up: every object of a
// run is owned by a lease Job per namespace whose activeDeadlineSeconds
// ends the run and whose ttlSecondsAfterFinished then deletes it, and the
// garbage collector removes what it owns; the probe Jobs carry their own
// deadline and TTL too.
//
// It owns the run's objects and their lifecycle. It does not decide what
// to probe beyond turning an inventory into targets (Targets), run probes
// itself (probes/runner does, in the pod), classify packets (pkg/capture)
// or judge anything (pkg/evaluate).
package dispatch
