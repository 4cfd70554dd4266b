package kpi

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// sketchGamma is the ratio between consecutive response-time buckets: bucket
// b holds [γ^b, γ^(b+1)) seconds, and reporting its geometric midpoint is
// within √γ−1 ≈ 1% of any value in it (the log-bucket idea of DDSketch,
// Masson, Rim & Lee, VLDB 2019), inside the 2% DESIGN.md allows.
const sketchGamma = 1.02

// sketch counts responses per bucket, indexed by bucket.
type sketch struct{ counts []int64 }

func (s *sketch) add(bucket int, n int64) {
	s.grow(bucket)
	s.counts[bucket] += n
}

// grow makes room for buckets up to top. Elements past the length are
// always zero: counts only ever lengthen.
func (s *sketch) grow(top int) {
	if top >= len(s.counts) {
		s.counts = slices.Grow(s.counts, top+1-len(s.counts))[:top+1]
	}
}

// addPacked merges buckets packed as bucket << 32 | count.
func (s *sketch) addPacked(packed []int64) {
	for _, p := range packed {
		s.add(int(p>>32), p&0xffffffff)
	}
}

// addBytes merges buckets encoded as kpi_store_daily keeps them: six bytes
// each, an int2 bucket and an int4 count, big-endian.
func (s *sketch) addBytes(b []byte) error {
	if len(b)%6 != 0 {
		return fmt.Errorf("kpi: response sketch of %d bytes is not whole buckets", len(b))
	}
	if len(b) == 0 {
		return nil
	}
	// Buckets ascend within one store row's sketch (b may hold several
	// concatenated): the last is usually the largest.
	if top := int(int16(binary.BigEndian.Uint16(b[len(b)-6:]))); top >= 0 {
		s.grow(top)
	}
	for i := 0; i+6 <= len(b); i += 6 {
		bucket := int(int16(binary.BigEndian.Uint16(b[i:])))
		n := int64(binary.BigEndian.Uint32(b[i+2:]))
		if bucket < 0 {
			return fmt.Errorf("kpi: response sketch bucket %d", bucket)
		}
		if bucket >= len(s.counts) {
			s.add(bucket, n)
			continue
		}
		s.counts[bucket] += n
	}
	return nil
}

// addArray merges a packed sketch in PostgreSQL's binary array format (a
// bigint[] read through array_send as raw bytes, so that hundreds of rows
// allocate nothing).
func (s *sketch) addArray(b []byte) error {
	if len(b) < 12 {
		return fmt.Errorf("kpi: response sketch array of %d bytes", len(b))
	}
	dims := binary.BigEndian.Uint32(b)
	if dims == 0 {
		return nil
	}
	if dims != 1 || len(b) < 20 {
		return fmt.Errorf("kpi: response sketch array of %d dimensions", dims)
	}
	n := int(binary.BigEndian.Uint32(b[12:]))
	b = b[20:]
	if len(b) != n*12 {
		return fmt.Errorf("kpi: response sketch array of %d elements in %d bytes", n, len(b))
	}
	for i := 0; i < n; i++ {
		e := b[12*i:]
		if int32(binary.BigEndian.Uint32(e)) != 8 {
			return fmt.Errorf("kpi: response sketch array with a null or odd element")
		}
		p := int64(binary.BigEndian.Uint64(e[4:]))
		s.add(int(p>>32), p&0xffffffff)
	}
	return nil
}

// quantile returns the q-quantile (0..1) in seconds, or nil when empty. It
// takes the bucket holding the ⌈q·n⌉-th smallest response.
func (s *sketch) quantile(q float64) *float64 {
	var n int64
	for _, c := range s.counts {
		n += c
	}
	if n == 0 {
		return nil
	}
	rank := max(int64(math.Ceil(q*float64(n))), 1)
	var cum int64
	for b, c := range s.counts {
		cum += c
		if cum >= rank {
			v := math.Pow(sketchGamma, float64(b)+0.5)
			if b == 0 {
				v = 1 // bucket 0 also holds responses under a second
			}
			v = math.Round(v*10) / 10
			return &v
		}
	}
	return nil
}
