package kpi

import (
	"encoding/binary"
	"testing"
)

// addArray reads PostgreSQL's binary array format, built here by hand:
// ndim, has-nulls flag, element type, then per dimension its length and
// lower bound, then each element's length and bytes.
func TestSketchAddArray(t *testing.T) {
	u32 := func(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
	arr := u32(u32(u32(nil, 1), 0), 20) // one dimension, no nulls, int8
	arr = u32(u32(arr, 2), 1)           // two elements from index 1
	for _, p := range []uint64{5<<32 | 3, 7<<32 | 1} {
		arr = binary.BigEndian.AppendUint64(u32(arr, 8), p)
	}
	var s sketch
	if err := s.addArray(arr); err != nil {
		t.Fatal(err)
	}
	if len(s.counts) != 8 || s.counts[5] != 3 || s.counts[7] != 1 {
		t.Errorf("counts %v, want 3 in bucket 5 and 1 in bucket 7", s.counts)
	}
	empty := u32(u32(u32(nil, 0), 0), 20)
	if err := s.addArray(empty); err != nil || len(s.counts) != 8 {
		t.Errorf("empty array: %v, counts %v", err, s.counts)
	}
	if err := s.addArray(arr[:len(arr)-3]); err == nil {
		t.Error("a truncated array was accepted")
	}
}
