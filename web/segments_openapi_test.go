package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/segments"
)

// openapi.json documents GET /api/v1/segments as the handler answers it:
// the window parameters, and a body whose every key is documented and whose
// every required key is present, for a decided store and a marked one.
func TestSegmentsOpenAPIShape(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	op := jsonAt(t, doc, "/paths/~1api~1v1~1segments/get").(map[string]any)
	var params []string
	for _, p := range op["parameters"].([]any) {
		params = append(params, p.(map[string]any)["name"].(string))
	}
	slices.Sort(params)
	if !slices.Equal(params, []string{"days", "from", "to"}) {
		t.Errorf("parameters %v, want days, from, to", params)
	}

	// Two stores, one with a year's figures and too few staff for a SOC
	// (so a return with a reason), one with none (insufficient_data).
	in := []segments.Input{
		{Store: "A", Current: ss.ModelCheckout, Profile: ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: 0.8},
			Days: 365, WeeklyOpenHours: 98, Visitors: 500_000, Detections: 2_000, Events: 1_800, FalsePositives: 200,
			Paid: 600, Interventions: 700, Blocked: 200, Lost: 300, ConcealedValue: 54_000, EstLoss: 15_000},
		{Store: "B", Current: ss.ModelDetection},
	}
	segs := segments.Decide(in, 365, segments.Config{})
	if segs[0].Status != segments.StatusOK || segs[1].Status != segments.StatusInsufficient {
		t.Fatalf("statuses %s, %s", segs[0].Status, segs[1].Status)
	}
	// And store A as a token limited to some stores sees it.
	segs = append(segs, segs[0].Limited())
	body, err := json.Marshal(segmentsAnswer{From: "2025-01-01", To: "2025-12-31", Days: 365, Stores: segs})
	if err != nil {
		t.Fatal(err)
	}
	var answer any
	if err := json.Unmarshal(body, &answer); err != nil {
		t.Fatal(err)
	}
	schema := jsonAt(t, doc, "/paths/~1api~1v1~1segments/get/responses/200/content/application~1json/schema")
	for _, p := range schemaProblems(t, doc, schema, answer, "") {
		t.Error(p)
	}
}

// jsonAt resolves a JSON pointer (RFC 6901) in doc.
func jsonAt(t *testing.T, doc any, ptr string) any {
	t.Helper()
	v := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := v.(map[string]any)
		if !ok || m[tok] == nil {
			t.Fatalf("openapi.json has nothing at %s (%s)", ptr, tok)
		}
		v = m[tok]
	}
	return v
}

// schemaProblems checks v against the subset of JSON Schema openapi.json
// uses here: $ref, type, enum, properties (closed unless
// additionalProperties says otherwise), required, propertyNames and items.
func schemaProblems(t *testing.T, doc, schema, v any, at string) []string {
	s := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		return schemaProblems(t, doc, jsonAt(t, doc, strings.TrimPrefix(ref, "#")), v, at)
	}
	var out []string
	bad := func(f string, a ...any) { out = append(out, at+": "+fmt.Sprintf(f, a...)) }
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%v is not one of %v", v, enum)
	}
	switch typ, _ := s["type"].(string); typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %T", v)
			return out
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range asSlice(s["required"]) {
			if _, ok := m[r.(string)]; !ok {
				bad("required %q is missing", r)
			}
		}
		for k, x := range m {
			if names, ok := s["propertyNames"].(map[string]any); ok {
				out = append(out, schemaProblems(t, doc, names, k, at+"/"+k+" (name)")...)
			}
			switch {
			case props[k] != nil:
				out = append(out, schemaProblems(t, doc, props[k], x, at+"/"+k)...)
			case s["additionalProperties"] != nil:
				out = append(out, schemaProblems(t, doc, s["additionalProperties"], x, at+"/"+k)...)
			default:
				bad("%q is not documented", k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("want an array, got %T", v)
		}
		for i, x := range a {
			out = append(out, schemaProblems(t, doc, s["items"], x, fmt.Sprintf("%s/%d", at, i))...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			bad("want a string, got %T", v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			bad("want a number, got %T", v)
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			bad("want an integer, got %v", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %T", v)
		}
	}
	return out
}

func asSlice(v any) []any {
	a, _ := v.([]any)
	return a
}
