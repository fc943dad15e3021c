package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// cleanup deletes every object of the run and waits, bounded by ctx, until
// no pod of the run is left; namespaces the run created are deleted whole.
// Deleting what is already gone is not an error.
func (r *runner) cleanup(ctx context.Context) error {
	if !r.applied {
		return nil
	}
	sel := metav1.ListOptions{LabelSelector: LabelRun + "=" + r.ob.RunID}
	bg := metav1.DeletePropagationBackground
	del := metav1.DeleteOptions{PropagationPolicy: &bg}
	var errs []error
	keep := func(what string, err error) {
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting %s: %w", what, err))
		}
	}
	for _, ns := range r.ob.Namespaces {
		n := ns.Name
		keep("DaemonSets in "+n, r.cs.AppsV1().DaemonSets(n).DeleteCollection(ctx, del, sel))
		keep("Jobs in "+n, r.cs.BatchV1().Jobs(n).DeleteCollection(ctx, del, sel))
		keep("pods in "+n, r.cs.CoreV1().Pods(n).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(5))}, sel))
		keep("ConfigMaps in "+n, r.cs.CoreV1().ConfigMaps(n).DeleteCollection(ctx, del, sel))
		keep("ServiceAccounts in "+n, r.cs.CoreV1().ServiceAccounts(n).DeleteCollection(ctx, del, sel))
	}
	for _, n := range r.created {
		keep("namespace "+n, r.cs.CoreV1().Namespaces().Delete(ctx, n, del))
	}
	// Wait for the pods to go: a run is clean when nothing of it runs.
	for {
		left := 0
		for _, ns := range r.ob.Namespaces {
			pods, err := r.cs.CoreV1().Pods(ns.Name).List(ctx, sel)
			if err == nil {
				left += len(pods.Items)
			}
		}
		if left == 0 {
			break
		}
		r.progress("cleaning up: %d pods of run %s still terminating", left, r.ob.RunID)
		select {
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("%d pods still terminating: %w", left, ctx.Err()))
			return errors.Join(errs...)
		case <-time.After(pollEvery):
		}
	}
	r.progress("cleaned up run %s", r.ob.RunID)
	return errors.Join(errs...)
}
