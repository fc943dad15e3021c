// Package report renders a matrix: a terminal table (colour only when asked,
// which the CLI does on a TTY), Markdown for people, CSV for spreadsheets
// and POA&M work, and the versioned JSON document (kind Matrix). Every
// format is rendered from the same matrix and its counts agree. It imports
// nothing of sc8scan but matrix.
package report
