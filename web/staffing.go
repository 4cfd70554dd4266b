package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/workforce"
)

const (
	csvType  = "text/csv; charset=utf-8"
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	zipType  = "application/zip"
)

// storeFor loads the store named in the path.
func (s *Server) storeFor(c echo.Context) (*ss.Store, error) {
	return s.layout.Store(c.Request().Context(), c.Param("code"))
}

func (s *Server) getStaffingPolicy(c echo.Context) error {
	st, err := s.storeFor(c)
	if err != nil {
		return err
	}
	p, err := s.workforce.Policy(c.Request().Context(), st)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withCurrency(p, st))
}

// policyAnswer is a policy with the currency of its hourly_cost: the store's.
type policyAnswer struct {
	workforce.Policy
	Currency ss.Currency `json:"currency"`
}

func withCurrency(p workforce.Policy, st *ss.Store) policyAnswer { return policyAnswer{p, st.Currency} }

func (s *Server) putStaffingPolicy(c echo.Context) error {
	st, err := s.storeFor(c)
	if err != nil {
		return err
	}
	var p workforce.Policy
	if err := s.decodeJSON(c, &p); err != nil {
		return err
	}
	if !st.Currency.InMinorUnits(p.HourlyCost) {
		return ss.Errorf(ss.EINVALID, "hourly_cost", "%s", st.Currency.AmountRule("hourly_cost", p.HourlyCost))
	}
	if err := s.workforce.PutPolicy(c.Request().Context(), st, p, principal(c).Name); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withCurrency(p, st))
}

// solving runs fn, a staffing solve, in one of MaxSolves slots, or answers
// 503 (with Retry-After, as every 503) when all are taken: a solve holds a
// core for up to about a second, and queueing more would only slow them all
// while their clients wait or leave.
func (s *Server) solving(fn func() error) error {
	select {
	case s.solves <- struct{}{}:
	default:
		return ss.Errorf(ss.EUNAVAILABLE, "", "%d staffing solves are running, the most at once; retry shortly", cap(s.solves))
	}
	defer func() { <-s.solves }()
	return fn()
}

func (s *Server) postStaffingSolve(c echo.Context) error {
	var q workforce.SolveRequest
	if err := s.decodeJSON(c, &q); err != nil {
		return err
	}
	var res workforce.SolveResult
	// The request's context ends when its client leaves: the solve then
	// stops, and the request is logged as a client close (499), not 200.
	err := s.solving(func() (err error) {
		res, err = q.Solve(c.Request().Context())
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) postStaffingErlang(c echo.Context) error {
	var q workforce.ErlangRequest
	if err := s.decodeJSON(c, &q); err != nil {
		return err
	}
	res, err := workforce.Erlang(q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// queryFloat reads an optional number parameter.
func queryFloat(c echo.Context, name string, def float64) (float64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, ss.Errorf(ss.EINVALID, name, "%s must be a number, got %q", name, v)
	}
	return x, nil
}

func (s *Server) getSOCStaffing(c echo.Context) error {
	rs := s.on(c)
	raw := c.QueryParam("stores")
	if raw == "" {
		return ss.Errorf(ss.EINVALID, "stores", "stores is required: store codes separated by commas")
	}
	codes := strings.Split(raw, ",")
	week, err := workforce.ParseWeek("week", c.QueryParam("week"))
	if err != nil {
		return err
	}
	// Each store's own SOC definition, unless the request sets a target
	// for them all (a what-if, or stores whose targets differ).
	var q workforce.SOCOverride
	for _, f := range []struct {
		name string
		dst  **float64
	}{{"handle_seconds", &q.HandleSeconds}, {"service_level", &q.ServiceLevel}, {"answer_seconds", &q.AnswerSeconds}} {
		if c.QueryParam(f.name) == "" {
			continue
		}
		x, err := queryFloat(c, f.name, 0)
		if err != nil {
			return err
		}
		*f.dst = &x
	}
	res, err := rs.workforce.SOCStaffing(c.Request().Context(), codes, week, q)
	if err != nil {
		return err
	}
	return readJSON(c, http.StatusOK, res)
}

func (s *Server) postStaffingPlan(c echo.Context) error {
	code := c.Param("code")
	week, err := workforce.ParseWeek("week", c.QueryParam("week"))
	if err != nil {
		return err
	}
	var pl *workforce.Plan
	err = s.solving(func() (err error) {
		pl, err = s.workforce.MakePlan(c.Request().Context(), code, week, principal(c).Name)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, pl)
}

func (s *Server) getStaffingPlan(c echo.Context) error {
	rs := s.on(c)
	code := c.Param("code")
	week, err := workforce.ParseWeek("week", c.Param("week"))
	if err != nil {
		return err
	}
	format, part := c.QueryParam("format"), c.QueryParam("part")
	if part != "" && part != "shifts" && part != "hourly" {
		return ss.Errorf(ss.EINVALID, "part", "part must be shifts or hourly, got %q", part)
	}
	if format != "" && format != "json" && format != "csv" && format != "xlsx" {
		return ss.Errorf(ss.EINVALID, "format", "format must be json, csv or xlsx, got %q", format)
	}
	pl, err := rs.workforce.Plan(c.Request().Context(), code, week)
	if err != nil {
		return err
	}
	name := code + "-" + pl.Week
	var buf bytes.Buffer
	switch format {
	case "csv":
		if part == "hourly" {
			name += "-hourly"
		}
		if err := pl.WriteCSV(&buf, part == "hourly"); err != nil {
			return err
		}
		return download(c, csvType, name+".csv", buf.Bytes())
	case "xlsx":
		pl.AsOf = asOf(c)
		if err := pl.WriteXLSX(&buf, time.Now()); err != nil {
			return err
		}
		return download(c, xlsxType, name+".xlsx", buf.Bytes())
	}
	return readJSON(c, http.StatusOK, pl)
}

// getStaffingPlans zips every stored plan of the week in the caller's scope.
func (s *Server) getStaffingPlans(c echo.Context) error {
	rs := s.on(c)
	week, err := workforce.ParseWeek("week", c.Param("week"))
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "xlsx"
	}
	if format != "csv" && format != "xlsx" {
		return ss.Errorf(ss.EINVALID, "format", "format must be csv or xlsx, got %q", format)
	}
	plans, err := rs.workforce.Plans(c.Request().Context(), week, visible(c))
	if err != nil {
		return err
	}
	if len(plans) == 0 {
		return ss.Errorf(ss.ENOTFOUND, "week", "no staffing plans for the week of %s", week.Format(time.DateOnly))
	}
	for i := range plans {
		plans[i].AsOf = asOf(c)
	}
	var buf bytes.Buffer
	if err := workforce.WriteZip(&buf, plans, format, time.Now()); err != nil {
		return err
	}
	return download(c, zipType, "staffing-plans-"+week.Format(time.DateOnly)+".zip", buf.Bytes())
}

func download(c echo.Context, contentType, name string, body []byte) error {
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return c.Blob(http.StatusOK, contentType, body)
}
