package web

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes checks the served document against the mux
// both ways: every API route is in the document with its method, and
// every path and method of the document is served by a route of the
// same pattern.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s, _, _ := newTestServer(t)
	w := do(s, idAnalyst, "GET", "/api/v1/openapi.json", "")
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	n := 0
	// Document -> mux.
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			n++
			m := strings.ToUpper(method)
			r := httptest.NewRequest(m, pathParam.ReplaceAllString(path, "7"), nil)
			if _, pattern := s.mux.Handler(r); pattern != m+" "+path {
				t.Errorf("the document has %s %s; the mux routes it to %q", m, path, pattern)
			}
			var op struct {
				OperationID string `json:"operationId"`
				Parameters  []struct {
					Name string `json:"name"`
					In   string `json:"in"`
				} `json:"parameters"`
			}
			json.Unmarshal(raw, &op)
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", m, path)
			}
			for _, want := range pathParam.FindAllStringSubmatch(path, -1) {
				found := false
				for _, p := range op.Parameters {
					found = found || p.In == "path" && p.Name == want[1]
				}
				if !found {
					t.Errorf("%s %s does not declare its path parameter %s", m, path, want[1])
				}
			}
		}
	}
	// Mux -> document.
	api := 0
	for _, rt := range s.routes {
		if !rt.API {
			continue
		}
		api++
		if _, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s %s is not in the document", rt.Method, rt.Pattern)
		}
	}
	if n != api || api < 20 {
		t.Errorf("%d operations in the document, %d API routes", n, api)
	}
	// Every schema the document refers to is defined.
	var full map[string]any
	json.Unmarshal(w.Body.Bytes(), &full)
	defs := full["components"].(map[string]any)["schemas"].(map[string]any)
	for _, ref := range refs(full) {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		if _, ok := defs[name]; !ok {
			t.Errorf("reference to undefined schema %s", ref)
		}
	}
}

func refs(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				out = append(out, s)
			}
			out = append(out, refs(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, refs(e)...)
		}
	}
	return out
}
