package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/segments"
)

// segmentWindows are the window choices of the segments page, in days.
var segmentWindows = []int{30, 90, 180, 365}

// segmentRow is one store of the segments table.
type segmentRow struct {
	segments.Segment
	Name    string
	Returns []modelReturn
	History *segmentRecord // nil when the segments job recorded nothing for the store
}

// segmentRecord is what the daily segments job's record says of a store:
// since when (of the days recorded) its latest tier and recommendation have
// held, and what they were before.
type segmentRecord struct {
	First                     string // the first day recorded
	Tier, TierSince, TierWas  string // tier "" is too little data; TierWas "" when it never changed
	Model                     ss.OperatingModel
	ModelSince                string
	ModelWas                  ss.OperatingModel
	NoPay                     bool // the latest day decided that no model pays (Model is empty)
	tierChanged, modelChanged bool
}

// TierChanged and ModelChanged say whether the record holds a change.
func (r *segmentRecord) TierChanged() bool  { return r.tierChanged }
func (r *segmentRecord) ModelChanged() bool { return r.modelChanged }

// segmentRecords folds snapshots (by store, then day, as SegmentHistory
// lists them) into each store's record.
func segmentRecords(snaps []segments.Snapshot) map[string]*segmentRecord {
	out := map[string]*segmentRecord{}
	for _, g := range snaps {
		r := out[g.Store]
		if r == nil {
			out[g.Store] = &segmentRecord{First: g.Day, Tier: g.Tier, TierSince: g.Day, Model: g.Recommended, ModelSince: g.Day, NoPay: g.NoModelPays}
			continue
		}
		r.NoPay = g.NoModelPays
		if g.Tier != r.Tier {
			r.TierWas, r.Tier, r.TierSince, r.tierChanged = r.Tier, g.Tier, g.Day, true
		}
		if g.Recommended != r.Model {
			r.ModelWas, r.Model, r.ModelSince, r.modelChanged = r.Model, g.Recommended, g.Day, true
		}
	}
	return out
}

// modelReturn is one model's yearly return at a store, in table order.
type modelReturn struct {
	Model       ss.OperatingModel
	Return      segments.ModelReturn
	Recommended bool
	Currency    ss.Currency // the store's: the return is in it
}

func (s *Server) segmentsPage(c echo.Context) error {
	rs := s.on(c)
	per, err := ss.ParsePeriod("", "", c.QueryParam("days"), time.Now(), segments.Window)
	if err != nil {
		return err
	}
	from, to, days := per.From, per.To, per.Days()
	vis := visible(c)
	segs, err := rs.segments.Segments(c.Request().Context(), from, to, vis, s.opt.Segments)
	if err != nil {
		return err
	}
	stores, err := rs.layout.Stores(c.Request().Context(), vis)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, st := range stores {
		names[st.Code] = st.Name
	}
	snaps, err := rs.segments.History(c.Request().Context(), to.AddDate(0, 0, -segments.HistoryWindow.DefaultDays+1), to, vis, "")
	if err != nil {
		return err
	}
	records := segmentRecords(snaps)
	rows := make([]segmentRow, len(segs))
	counts := map[string]int{}
	mismatches := 0
	for i, sg := range segs {
		rows[i] = segmentRow{Segment: sg, Name: names[sg.Store], History: records[sg.Store]}
		for _, m := range []ss.OperatingModel{ss.ModelDetection, ss.ModelCheckout, ss.ModelSOC} {
			if r, ok := sg.Returns[m]; ok {
				rows[i].Returns = append(rows[i].Returns, modelReturn{m, r, m == sg.Recommended, sg.Currency})
			}
		}
		counts[sg.Tier]++
		if sg.Mismatch {
			mismatches++
		}
	}
	type window struct {
		Label, Href string
		Active      bool
	}
	var windows []window
	for _, d := range segmentWindows {
		label := strconv.Itoa(d) + " days"
		if d == 365 {
			label = "1 year"
		}
		windows = append(windows, window{label, "/segments?days=" + strconv.Itoa(d), d == days})
	}
	return render(c, http.StatusOK, "segments.html", struct {
		shell
		From, To   time.Time
		Days       int
		Rows       []segmentRow
		Counts     map[string]int
		Mismatches int
		Windows    []window
		Limited    bool // the token sees some stores: no figure drawn from the others
	}{newShell(c, "segments", "Segments"), from, to, days, rows, counts, mismatches, windows, len(vis) > 0})
}
