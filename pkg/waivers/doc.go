// Package waivers checks a waiver file's hygiene for the people who keep
// it: it validates every entry (naming the line of what is wrong) and
// lists the waivers that have expired, that expire soon, that match no
// cell a waiver can act on in a matrix, and that overlap another. It does
// not apply waivers (pkg/evaluate does, in a scan) and decides no cell.
package waivers
