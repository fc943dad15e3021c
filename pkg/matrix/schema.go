package matrix

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the Matrix document.
//
//go:embed schema/matrix.schema.json
var Schema []byte
