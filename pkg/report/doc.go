// Package report renders a matrix: a terminal table (colour only when asked,
// which the CLI does on a TTY), Markdown for people, CSV for spreadsheets
// and POA&M work, and the versioned JSON document (kind Matrix); for the
// scan bundle also a self-contained HTML page for auditors, OSCAL 1.1.3
// assessment results, JUnit XML and SARIF 2.1.0 for CI, and a POA&M CSV in
// FedRAMP's column layout. Every format is rendered from the same matrix and
// its counts agree. It imports nothing of sc8scan but matrix and version.
package report
