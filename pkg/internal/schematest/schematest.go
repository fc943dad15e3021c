// Package schematest validates wire documents against their JSON Schemas in
// tests, so that every document a test produces is checked against the
// contract the repository publishes.
package schematest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Validate fails t when doc does not satisfy schema.
func Validate(t testing.TB, schema, doc []byte) {
	t.Helper()
	if err := Check(schema, doc); err != nil {
		t.Fatalf("schema validation: %v", err)
	}
}

// Check returns the validation error of doc against schema, if any.
func Check(schema, doc []byte) error {
	s, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", s); err != nil {
		return err
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return err
	}
	return sch.Validate(v)
}
