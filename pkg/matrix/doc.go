// Package matrix is the SC-8 compliance matrix: rows are service paths,
// columns are checks, each cell a status with a reason and the ids of the
// evidence behind it, rolled up per path, per check and per control
// objective, with the share of cells actually tested.
//
// It owns the types, the check catalog, the roll-up rules and the versioned
// JSON form (kind Matrix). It does not decide cells (evaluate does) nor
// render them (report does). It imports only the standard library and the
// version leaf.
package matrix
