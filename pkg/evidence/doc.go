// Package evidence holds the wire documents of sc8scan's four evidence
// producers (ProbeReport, PolicyReport, FlowReport, ImageReport) and the
// header every document carries (apiVersion, kind, scanner).
//
// The producers (probes, policy, capture, fips) fill these types; evaluate
// reads them; the CLI prints and saves them. Keeping them in one leaf package
// lets evaluate stay free of I/O, lets the probe binary write a ProbeReport
// without linking client-go, and keeps the producers from importing each
// other. The field names are the contract: adding a field is free, renaming
// one needs a new apiVersion. JSON Schemas live in schema/ beside this file.
package evidence
