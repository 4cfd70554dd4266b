package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
)

// changeRow is one layout change with its evaluation as the layout page shows it.
type changeRow struct {
	layout.Change
	Eval  *layout.Evaluation
	Chart *reports.Chart // before/after, when the evaluation has a series
}

// layoutPage lists a store's layout recommendations, with accept and
// reject forms for those who may decide, and its layout changes with their
// before/after evaluations.
func (s *Server) layoutPage(c echo.Context) error {
	code := c.Param("code")
	ctx := c.Request().Context()
	var (
		st      *ss.Store
		recs    []layout.Recommendation
		changes []layout.Change
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { st, err = s.layout.Store(gctx, code); return err })
	g.Go(func() (err error) { recs, err = s.layout.Recommendations(gctx, code); return err })
	g.Go(func() (err error) { changes, err = s.layout.Changes(gctx, code); return err })
	if err := g.Wait(); err != nil {
		return err
	}
	rows := make([]changeRow, len(changes))
	g, gctx = errgroup.WithContext(ctx)
	for i := range changes {
		rows[i].Change = changes[i]
		g.Go(func() (err error) { rows[i].Eval, err = s.layout.Evaluation(gctx, changes[i].ID); return err })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i := range rows {
		rows[i].Chart = beforeAfter(&rows[i].Change, rows[i].Eval)
	}
	return render(c, http.StatusOK, "layout_page.html", struct {
		shell
		Store     *ss.Store
		Recs      []layout.Recommendation
		Changes   []changeRow
		CanDecide bool
		Today     string
	}{newShell(c, "layout", st.Name+" · layout"), st, recs, rows, slices.Contains(layouts, principal(c).Role), storeToday(st)})
}

// decideOnPage is the accept and reject forms of the layout page.
func (s *Server) decideOnPage(c echo.Context) error {
	r, err := s.pageRecommendation(c)
	if err != nil {
		return err
	}
	ctx, code, id := c.Request().Context(), r.Store, r.ID
	accept := c.Param("decision") == "accept"
	if !accept && c.Param("decision") != "reject" {
		return ss.Errorf(ss.ENOTFOUND, "decision", "decide with accept or reject")
	}
	if _, err := s.layout.Decide(ctx, id, accept, principal(c).Name, c.FormValue("reason")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/stores/"+url.PathEscape(code)+"/layout#rec-"+c.Param("id"))
}

// layoutIndex lists the stores to open the layout page of. (It does not
// count open recommendations: reading them regenerates each store's, which
// is the layout page's work, not the index's.)
func (s *Server) layoutIndex(c echo.Context) error {
	stores, err := s.layout.Stores(c.Request().Context(), visible(c))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, "layout_index.html", struct {
		shell
		Stores []ss.Store
	}{newShell(c, "layout", "Layout"), stores})
}

// storeToday is the store's local date, the default of "mark implemented".
func storeToday(st *ss.Store) string {
	loc, err := st.Location()
	if err != nil {
		loc = time.UTC
	}
	return time.Now().In(loc).Format(time.DateOnly)
}

// pageRecommendation is the recommendation a layout-page form names: the
// store in the path (its route's scope) and the id, which must be that
// store's.
func (s *Server) pageRecommendation(c echo.Context) (*layout.Recommendation, error) {
	code := c.Param("code")
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	r, err := s.layout.Recommendation(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if r.Store != code {
		// Answered exactly as a missing id: another store's id is none of
		// this page's business, and may be outside the token's scope.
		return nil, ss.Errorf(ss.ENOTFOUND, "id", "no recommendation %d", id)
	}
	return r, nil
}
