// Package scan is the pipeline: discover the cluster, gather the evidence
// (mesh policy, probes, captures, image inspection), evaluate the matrix and
// write the bundle. It owns the order of the stages, what each is given and
// what is recorded when a stage cannot run; the stages themselves live in
// their own packages.
package scan
