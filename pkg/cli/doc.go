// Package cli is sc8scan's command tree. Each command is a flag struct and a
// RunE that turns flags into options for the package that does the work;
// output goes through injected streams. It is the only package that imports
// cobra, and the only place exit codes are decided.
package cli
