package findings

import (
	"math"
	"testing"
)

// TestSelectInScopes works the two-level correction by hand under both
// scopes, q = 0.10. A q-value is min over the ranks r at and above the
// series' own of p(r)·m/r (Benjamini & Hochberg 1995); a block's is its
// q-value among its zone's blocks over R₁/m₁ of its family (Select).
func TestSelectInScopes(t *testing.T) {
	z := func(store, zone string) Key { return Key{Store: store, Zone: zone, Block: -1} }
	b := func(store, zone string, block int) Key { return Key{Store: store, Zone: zone, Block: block} }
	m := func(store, method string) Key { return Key{Store: store, Block: -1, Method: method} }
	type series struct {
		key Key
		p   float64
		// want[0] under ScopeEstate, want[1] under ScopeStore.
		want [2]Selected
	}
	sel := func(level int, q float64) Selected { return Selected{Level: level, Q: q, Found: q <= 0.10} }
	none := Selected{}
	cases := []struct {
		name   string
		series []series
	}{
		{
			// Store A has three strong zones, B one middling one. Estate:
			// m₁ = 7, sorted .001 .002 .003 .04 .5 .7 .8, p·7/r = .007 .007
			// .007 .07 .7 .8167 .8: four found, R₁/m₁ = 4/7. Store A: m₁ =
			// 4, p·4/r = .004 .004 .004 .8: three found, R₁/m₁ = 3/4.
			// Store B: m₁ = 3, p·3/r = .12 .75 .7, so q = .12 .7 .7:
			// none. A/Z1's blocks among themselves: p·3/r = .012 .06 .2;
			// over 4/7: .021 .105 .35; over 3/4: .016 .08 .2667. B/Z1's:
			// .02 .6, over 4/7: .035 and 1 (1.05 capped).
			name: "B borrows A's findings estate-wide; A's block gains within A",
			series: []series{
				{z("A", "Z1"), 0.001, [2]Selected{sel(1, 0.003*7/3), sel(1, 0.003*4/3)}},
				{z("A", "Z2"), 0.002, [2]Selected{sel(1, 0.003*7/3), sel(1, 0.003*4/3)}},
				{z("A", "Z3"), 0.003, [2]Selected{sel(1, 0.003*7/3), sel(1, 0.003*4/3)}},
				{m("A", "bag"), 0.8, [2]Selected{sel(1, 0.8), sel(1, 0.8)}},
				{b("A", "Z1", 0), 0.004, [2]Selected{sel(2, 0.012/(4.0/7)), sel(2, 0.012/0.75)}},
				{b("A", "Z1", 1), 0.04, [2]Selected{sel(2, 0.06/(4.0/7)), sel(2, 0.06/0.75)}},
				{b("A", "Z1", 2), 0.2, [2]Selected{sel(2, 0.2/(4.0/7)), sel(2, 0.2/0.75)}},
				{z("B", "Z1"), 0.04, [2]Selected{sel(1, 0.04*7/4), sel(1, 0.04*3)}},
				{z("B", "Z2"), 0.5, [2]Selected{sel(1, 0.5*7/5), sel(1, 0.7)}},
				{m("B", "bag"), 0.7, [2]Selected{sel(1, 0.8), sel(1, 0.7)}},
				{b("B", "Z1", 0), 0.01, [2]Selected{sel(2, 0.02/(4.0/7)), none}},
				{b("B", "Z1", 1), 0.6, [2]Selected{sel(2, 1), none}},
			},
		},
		{
			// A quiet estate hides store A's one change. Estate: m₁ = 7,
			// sorted .02 .3 .4 .5 .6 .7 .9, p·7/r = .14 1.05 .933 .875 .84
			// .8167 .9, so q = .14, then .8167 up to rank 6, .9: none found.
			// Store A: m₁ = 2, p·2/r = .04 .5: A/Z1 found, R₁/m₁ = 1/2; its
			// blocks p·2/r = .002 .5, over 1/2: .004 and 1. B: m₁ = 3, p·3/r
			// = .9 .9 .9. C: m₁ = 2, p·2/r = .8 .7, so q = .7 .7. The keys
			// interleave the stores: a store's family is its keys wherever
			// they lie.
			name: "a store's change that the estate's other series hide",
			series: []series{
				{z("B", "Z1"), 0.3, [2]Selected{sel(1, 0.7*7/6), sel(1, 0.9)}},
				{z("A", "Z1"), 0.02, [2]Selected{sel(1, 0.02*7), sel(1, 0.02*2)}},
				{z("C", "Z1"), 0.4, [2]Selected{sel(1, 0.7*7/6), sel(1, 0.7)}},
				{b("A", "Z1", 5), 0.001, [2]Selected{none, sel(2, 0.002/0.5)}},
				{z("B", "Z2"), 0.6, [2]Selected{sel(1, 0.7*7/6), sel(1, 0.9)}},
				{m("A", "bag"), 0.5, [2]Selected{sel(1, 0.7*7/6), sel(1, 0.5)}},
				{m("C", "bag"), 0.7, [2]Selected{sel(1, 0.7*7/6), sel(1, 0.7)}},
				{b("A", "Z1", 6), 0.5, [2]Selected{none, sel(2, 1)}},
				{m("B", "bag"), 0.9, [2]Selected{sel(1, 0.9), sel(1, 0.9)}},
			},
		},
	}
	for _, c := range cases {
		keys, ps := make([]Key, len(c.series)), make([]float64, len(c.series))
		for i, s := range c.series {
			keys[i], ps[i] = s.key, s.p
		}
		for w, scope := range []string{ScopeEstate, ScopeStore} {
			got := SelectIn(keys, ps, 0.10, scope)
			for i, s := range c.series {
				want := s.want[w]
				if got[i].Level != want.Level || got[i].Found != want.Found || math.Abs(got[i].Q-want.Q) > 1e-12 {
					t.Errorf("%s, %s scope, %+v (p %g): got %+v, want %+v", c.name, scope, s.key, s.p, got[i], want)
				}
			}
		}
		// The estate scope is Select itself.
		for i, s := range Select(keys, ps, 0.10) {
			if s != SelectIn(keys, ps, 0.10, ScopeEstate)[i] {
				t.Errorf("%s: SelectIn(estate) differs from Select at %+v", c.name, keys[i])
			}
		}
	}
}

func TestParseScope(t *testing.T) {
	for _, s := range []string{ScopeEstate, ScopeStore} {
		if got, err := ParseScope(s); err != nil || got != s {
			t.Errorf("ParseScope(%q) = %q, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "Store", "region", "stores"} {
		if _, err := ParseScope(s); err == nil {
			t.Errorf("ParseScope(%q) accepted", s)
		}
	}
	if DefaultConfig.Scope != ScopeEstate || (Config{}).withDefaults().Scope != ScopeEstate || (Config{Scope: ScopeStore}).withDefaults().Scope != ScopeStore {
		t.Errorf("scope defaults: %q, %q", DefaultConfig.Scope, (Config{}).withDefaults().Scope)
	}
}
