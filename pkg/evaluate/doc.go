// Package evaluate decides the SC-8 matrix: it takes the inventory, the
// evidence the producers wrote (probe, policy, flow and image reports) and a
// compliance profile, and fills every (path x check) cell with a status, a
// reason and the ids of the evidence behind it.
//
// Every cell exists before any evidence is looked at; a cell no evidence
// reaches stays NOT-TESTED with the reason. Evaluate is pure: no I/O, no
// clock (the evaluation time is an input), no logging. It does not gather
// evidence (scan does) nor render the matrix (report does).
package evaluate
