package checkout_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

func asError(err error, e **ss.Error) bool { return errors.As(err, e) }

// jsonKeys is the sorted keys of v as JSON.
func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
