// Package archtest holds the import rules of DESIGN.md as a test: leaf
// packages import only the standard library, the evidence producers never
// import each other or discover, evaluate does no I/O, report imports only
// matrix, only cli imports cobra, and the probe binary links no client-go.
package archtest
