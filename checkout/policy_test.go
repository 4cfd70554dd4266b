package checkout_test

import (
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/checkout"
)

// Each rule at both ends of its threshold, by hand: a value exactly at a
// threshold meets it, a cent below does not.
func TestPolicyDecide(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	item := func(value float64, after time.Duration) checkout.Item {
		return checkout.Item{Category: "spirits", EstValue: value, OccurredAt: t0.Add(after)}
	}
	p := checkout.Policy{NudgeMinValue: 20, BlockMinValue: 50, BlockMinItems: 3, BlockOnRepeat: true, VisitMinutes: 45}
	noRepeat, noItems, noValue := p, p, p
	noRepeat.BlockOnRepeat, noItems.BlockMinItems, noValue.BlockMinValue = false, 0, 0
	for _, c := range []struct {
		name    string
		p       checkout.Policy
		items   []checkout.Item
		want    checkout.Action
		reasons int
	}{
		{"nothing", p, nil, checkout.ActionNone, 0},
		{"19.99: below nudge", p, []checkout.Item{item(19.99, 0)}, checkout.ActionNone, 1},
		{"20.00: nudge", p, []checkout.Item{item(20, 0)}, checkout.ActionNudge, 1},
		{"30 + 19.99 = 49.99: nudge", p, []checkout.Item{item(30, 0), item(19.99, time.Second)}, checkout.ActionNudge, 1},
		{"30 + 20 = 50.00: block by value", p, []checkout.Item{item(30, 0), item(20, time.Second)}, checkout.ActionBlock, 1},
		{"50.00 with block_min_value 0: nudge", noValue, []checkout.Item{item(50, 0)}, checkout.ActionNudge, 1},
		{"0.10 + 0.10 = 0.20 (float sum 0.2000…04): below nudge 0.21", checkout.Policy{NudgeMinValue: 0.21, VisitMinutes: 45}, []checkout.Item{item(0.1, 0), item(0.1, time.Second)}, checkout.ActionNone, 1},
		{"0.10 + 0.20 = 0.30 (float sum 0.30000000000000004): nudge 0.30", checkout.Policy{NudgeMinValue: 0.3, VisitMinutes: 45}, []checkout.Item{item(0.1, 0), item(0.2, time.Second)}, checkout.ActionNudge, 1},
		{"5 + 5 = 10, 2 items, no repeat rule: none", noRepeat, []checkout.Item{item(5, 0), item(5, time.Second)}, checkout.ActionNone, 1},
		{"3 items of 1.00: block by count", p, []checkout.Item{item(1, 0), item(1, time.Second), item(1, 2*time.Second)}, checkout.ActionBlock, 1},
		{"3 items with block_min_items 0: none", noItems, []checkout.Item{item(1, 0), item(1, time.Second), item(1, 2*time.Second)}, checkout.ActionNone, 1},
		{"59 s apart: no repeat", p, []checkout.Item{item(1, 0), item(1, 59*time.Second)}, checkout.ActionNone, 1},
		{"60 s apart: a repeat blocks", p, []checkout.Item{item(1, 0), item(1, time.Minute)}, checkout.ActionBlock, 1},
		{"60 s apart without block_on_repeat", noRepeat, []checkout.Item{item(1, 0), item(1, time.Minute)}, checkout.ActionNone, 1},
		{"every rule at once", p, []checkout.Item{item(20, 0), item(20, time.Minute), item(10, 2*time.Minute)}, checkout.ActionBlock, 3},
	} {
		act, reasons := c.p.Decide(c.items, "GBP")
		if act != c.want || len(reasons) != c.reasons {
			t.Errorf("%s: %s %q, want %s with %d reasons", c.name, act, reasons, c.want, c.reasons)
		}
	}
}

// A policy is checked whole and names its field; in JPY an amount is whole yen.
func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	ok := checkout.DefaultPolicy
	for _, c := range []struct {
		name  string
		edit  func(*checkout.Policy)
		cur   ss.Currency
		field string
	}{
		{"default", func(*checkout.Policy) {}, "GBP", ""},
		{"visit 0", func(p *checkout.Policy) { p.VisitMinutes = 0 }, "GBP", "visit_minutes"},
		{"visit 721", func(p *checkout.Policy) { p.VisitMinutes = 721 }, "GBP", "visit_minutes"},
		{"visit 720", func(p *checkout.Policy) { p.VisitMinutes = 720 }, "GBP", ""},
		{"negative nudge", func(p *checkout.Policy) { p.NudgeMinValue = -0.01 }, "GBP", "nudge_min_value"},
		{"half a penny", func(p *checkout.Policy) { p.BlockMinValue = 50.005 }, "GBP", "block_min_value"},
		{"yen fraction", func(p *checkout.Policy) { p.BlockMinValue = 5000.5 }, "JPY", "block_min_value"},
		{"items 101", func(p *checkout.Policy) { p.BlockMinItems = 101 }, "GBP", "block_min_items"},
	} {
		p := ok
		c.edit(&p)
		err := p.Validate(c.cur)
		var e *ss.Error
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v, want valid", c.name, err)
		case c.field != "" && (!asError(err, &e) || e.Field != c.field):
			t.Errorf("%s: %v, want invalid naming %s", c.name, err, c.field)
		}
	}
}

// The store's policy as set gives the lane its action: the same track's
// 42.50 nudges under the default and blocks with block_min_value 42.50.
func TestLaneFollowsStorePolicy(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.conceal("C1", "A1", "f-p", w.t0.Add(-time.Minute), -1)
	w.conceal("C1", "A2", "f-p", w.t0.Add(-time.Minute+10*time.Second), -1)
	w.presence(at("C1", "2", "f-p", w.t0))
	if st := w.lane(w.co, "C1", "2", flagged); st.Action != checkout.ActionNudge {
		t.Fatalf("default policy: %+v, want nudge", st)
	}
	p := checkout.DefaultPolicy
	p.BlockMinValue = 42.5
	if _, err := w.co.SetPolicy(w.ctx, "C1", p); err != nil {
		t.Fatal(err)
	}
	if st := w.lane(w.co, "C1", "2", func(s checkout.LaneStatus) bool { return s.Action == checkout.ActionBlock }); st.Action != checkout.ActionBlock {
		t.Errorf("block_min_value 42.50: %+v, want block", st)
	}
	p.BlockMinValue = 42.51
	if _, err := w.co.SetPolicy(w.ctx, "C1", p); err != nil {
		t.Fatal(err)
	}
	if st := w.lane(w.co, "C1", "2", func(s checkout.LaneStatus) bool { return s.Action == checkout.ActionNudge }); st.Action != checkout.ActionNudge {
		t.Errorf("block_min_value 42.51: %+v, want nudge", st)
	}
	got, err := w.co.Policy(w.ctx, "C1")
	if err != nil || got.Default || got.BlockMinValue != 42.51 || got.Currency != "GBP" {
		t.Errorf("policy read back %+v %v", got, err)
	}
	if _, err := w.co.SetPolicy(w.ctx, "C1", checkout.Policy{VisitMinutes: 0}); ss.ErrorCode(err) != ss.EINVALID {
		t.Errorf("a bad policy: %v, want invalid", err)
	}
}
