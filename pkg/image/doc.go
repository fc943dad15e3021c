// Package image builds sc8scan's own container image: one static, non-root
// image holding sc8scan, sc8probe and sc8sensor, each built with
// GOFIPS140=v1.0.0 so that its crypto is the Go Cryptographic Module, written
// as an OCI layout and as a docker-archive tarball without a container
// daemon. Two builds of the same tree with the same toolchain give the same
// image digest.
//
// It owns what goes into the image (files, owners, modes, config, labels)
// and where it is written. It does not compile Go or write image formats
// itself (pkg/fips/imagebuild does), does not push to a registry or load
// into a cluster, and does not judge the image's crypto (pkg/fips does; the
// tests of this package run it on every image built).
package image
