package segments

import (
	"fmt"
	"strings"
)

// What a token limited to some stores sees of a segment.
//
// The decision is the estate's: a store's tier, recommended model and
// mismatch are those the whole estate's statistics give, the same that a
// token for every store sees and the daily record keeps, because the pooled
// rates really are the best estimates there are (and, for Decide on bare
// figures, the SOC is one centre shared by the estate). Recomputing them over the token's stores
// alone would recommend a different model for the same store depending on
// who asks (a regional manager's three stores cannot fill a shared SOC's
// economies of scale, and their pooled rates rest on a fraction of the
// evidence).
//
// The figures are another matter. The risk index and factors are z-scores
// against the estate's mean and spread, the percentile a rank among all
// stores, the rationale names "of N stores" and estate medians, and every
// money figure of the returns rests on pooled rates and on the SOC pool's
// summed alert rate; from any of them, with the token's own stores' KPIs,
// another store's figures follow by subtraction. So a limited token gets
// the decision and the store's own data (status, days and concealments
// held, current model, the reason a model is not possible, which rests on
// the store's own staffing) and none of those figures: with the decision
// held equal, its answer is the same whatever the other stores' data.

// Limited returns seg as a token limited to some stores may see it: the
// estate's decision, without the figures drawn from other stores (risk
// index, percentile, factors, basis, returns), and a rationale that names
// none of them. EstateWithheld says so.
func (seg Segment) Limited() Segment {
	out := Segment{Store: seg.Store, Status: seg.Status, Data: seg.Data, Tier: seg.Tier, Current: seg.Current,
		Recommended: seg.Recommended, NoModelPays: seg.NoModelPays, Mismatch: seg.Mismatch, Rationale: seg.Rationale, EstateWithheld: true}
	if seg.Status == StatusOK {
		out.Rationale = segLimitedRationale(&seg)
	}
	return out
}

// segLimitedRationale explains a decided segment from the decision and the
// store's own facts only.
func segLimitedRationale(seg *Segment) string {
	var b strings.Builder
	// A SOC priced on the store's own workload draws on no other store;
	// the shared SOC of Decide on bare figures does.
	basis := "the estate's pooled rates and its shared SOC"
	if seg.Basis != nil && seg.Basis.SOCWeek != "" {
		basis = "the estate's pooled rates"
	}
	if seg.NoModelPays {
		fmt.Fprintf(&b, "%s risk against the estate's stores. No model pays here: none nets a positive return, "+
			"priced on %s; those figures draw on other stores, so a token limited to some stores is shown the decision without them.",
			map[string]string{TierHigh: "High", TierMedium: "Medium", TierLow: "Low"}[seg.Tier], basis)
		return b.String()
	}
	fmt.Fprintf(&b, "%s risk against the estate's stores. %s has the best net return of the models the store can run, "+
		"priced on %s; those figures draw on other stores, so a token limited to some stores is shown the decision without them.",
		map[string]string{TierHigh: "High", TierMedium: "Medium", TierLow: "Low"}[seg.Tier],
		segCapital(segModelName(seg.Recommended)), basis)
	for _, m := range segModels {
		if r, ok := seg.Returns[m]; ok && !r.Feasible {
			fmt.Fprintf(&b, " %s is not possible: %s.", segCapital(segModelName(m)), r.Reason)
		}
	}
	if seg.Mismatch {
		fmt.Fprintf(&b, " The store runs %s today.", segModelName(seg.Current))
	}
	return b.String()
}
