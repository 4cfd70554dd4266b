package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/workforce"
)

// staffingView is what the staffing page shows for one store and week.
type staffingView struct {
	shell
	Stores        []ss.Store
	Store         *ss.Store
	Week          string
	Plan          *workforce.Plan
	Chart         *reports.Chart
	Required      int // staff-hours required over the week
	Scheduled     int // staff-hours scheduled over the week
	Short         int // staff-hours short over the week
	SOC           *workforce.SOCWeek
	CanBuild      bool
	CSV, XLSX     string
	EstateZip     string
	EstateZipNote string
}

// staffingWeek reads the page's week (any date in it); empty means this week.
func staffingWeek(c echo.Context) (time.Time, error) {
	v := c.QueryParam("week")
	if v == "" {
		v = c.FormValue("week")
	}
	if v == "" {
		return workforce.WeekStart(time.Now().UTC(), time.UTC), nil
	}
	return workforce.ParseWeek("week", v)
}

// staffingPage shows a store's staffing plan for a week: required against
// scheduled staff by hour (chart and table), the shifts, downloads, the SOC's
// operator needs for SOC-led stores, and a form that builds the plan.
func (s *Server) staffingPage(c echo.Context) error {
	rs := s.on(c)
	ctx := c.Request().Context()
	stores, err := rs.layout.Stores(ctx, visible(c))
	if err != nil {
		return err
	}
	if len(stores) == 0 {
		return ss.Errorf(ss.ENOTFOUND, "store", "no stores to staff")
	}
	week, err := staffingWeek(c)
	if err != nil {
		return err
	}
	code := c.QueryParam("store")
	if code == "" {
		code = stores[0].Code
	}
	i := slices.IndexFunc(stores, func(st ss.Store) bool { return st.Code == code })
	if i < 0 {
		return ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", code)
	}
	st := &stores[i]
	wk := week.Format(time.DateOnly)
	v := staffingView{
		shell: newShell(c, "staffing", st.Name+" · staffing"), Stores: stores, Store: st, Week: wk,
		CanBuild:  slices.Contains(planners, principal(c).Role),
		CSV:       "/api/v1/stores/" + url.PathEscape(st.Code) + "/staffing-plans/" + wk + "?format=csv",
		XLSX:      "/api/v1/stores/" + url.PathEscape(st.Code) + "/staffing-plans/" + wk + "?format=xlsx",
		EstateZip: "/api/v1/staffing-plans/" + wk + "?format=xlsx",
	}
	pl, err := rs.workforce.Plan(ctx, st.Code, week)
	switch {
	case ss.ErrorCode(err) == ss.ENOTFOUND:
	case err != nil:
		return err
	default:
		v.Plan = pl
		hours := make([]reports.StaffHour, 0, len(pl.Hours))
		for _, h := range pl.Hours {
			v.Required += h.Required
			v.Scheduled += h.Scheduled
			v.Short += h.Short
			hours = append(hours, reports.StaffHour{Hour: hourLabel(h), Required: float64(h.Required), Scheduled: float64(h.Scheduled)})
		}
		ch := reports.StaffingChart("staffing-chart", hours)
		v.Chart = &ch
	}
	if st.OperatingModel == ss.ModelSOC {
		// The store's own SOC definition, the one its plan is built on.
		soc, err := rs.workforce.SOCStaffing(ctx, []string{st.Code}, week, workforce.SOCOverride{})
		if err != nil {
			return err
		}
		v.SOC = soc
	}
	return render(c, http.StatusOK, "staffing.html", v)
}

// hourLabel names a plan hour by local weekday and clock hour, e.g. "Mon 09".
func hourLabel(h workforce.PlanHour) string {
	d, err := time.Parse(time.DateOnly, h.Date)
	if err != nil {
		return fmt.Sprintf("%s %02d", h.Date, h.Hour)
	}
	return fmt.Sprintf("%s %02d", d.Weekday().String()[:3], h.Hour)
}

// buildPlanOnPage is the staffing page's "build plan" form: it makes (or
// remakes) the store's plan for the week and shows it.
func (s *Server) buildPlanOnPage(c echo.Context) error {
	code := c.FormValue("store")
	if code == "" {
		return ss.Errorf(ss.EINVALID, "store", "store is required")
	}
	week, err := workforce.ParseWeek("week", c.FormValue("week"))
	if err != nil {
		return err
	}
	err = s.solving(func() error {
		_, err := s.workforce.MakePlan(c.Request().Context(), code, week, principal(c).Name)
		return err
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staffing?store="+url.QueryEscape(code)+"&week="+week.Format(time.DateOnly))
}
