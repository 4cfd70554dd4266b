package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// Role sets that routes allow; pages read them too, to show a form only to
// those who may send it.
var (
	readers   = []ss.Role{ss.RoleAdmin, ss.RoleOps, ss.RolePlanner, ss.RoleMerchandiser}
	writers   = []ss.Role{ss.RoleAdmin, ss.RoleIngest}
	admins    = []ss.Role{ss.RoleAdmin}
	layouts   = []ss.Role{ss.RoleAdmin, ss.RoleMerchandiser}
	operators = []ss.Role{ss.RoleAdmin, ss.RoleOps}
	anyone    = []ss.Role(nil) // public: no token needed
	// zoneReaders adds the in-store vision tier, which maps people to zones.
	zoneReaders = []ss.Role{ss.RoleAdmin, ss.RoleOps, ss.RolePlanner, ss.RoleMerchandiser, ss.RoleIngest}
	// planners may write staffing policies and create plans.
	planners = []ss.Role{ss.RoleAdmin, ss.RolePlanner}
	// staffViewers may open the staffing page; planners may also build plans there.
	staffViewers = []ss.Role{ss.RoleAdmin, ss.RolePlanner, ss.RoleOps}
	// responders read and act on live alerts: SOC operators, store
	// operations and admins.
	responders = []ss.Role{ss.RoleAdmin, ss.RoleOps, ss.RoleSOC}
)

// route is one line of the API surface: method, path, handler, and who may
// call it: the roles, and the store scope (scope.go).
type route struct {
	Method  string
	Path    string
	Handler echo.HandlerFunc
	Roles   []ss.Role
	Scope   scope
}

// routes is the whole HTTP surface in one list; the OpenAPI document and the
// permission matrix test are checked against it. A scope names where the
// request names its store: inPath (:code), inQuery, inQueryList, inBody,
// inForm, or byID with the resolver that finds a resource's store.
func (s *Server) routes() []route {
	return []route{
		{http.MethodGet, "/healthz", s.healthz, anyone, noStore},
		{http.MethodGet, "/readyz", s.readyz, anyone, noStore},
		{http.MethodGet, "/metrics", s.metricsHandler, admins, noStore},
		{http.MethodGet, "/api/v1/openapi.json", s.openapi, anyone, noStore},
		{http.MethodGet, "/api/v1/me", s.me, ss.Roles, noStore},

		{http.MethodGet, "/api/v1/stores", s.listStores, readers, scopedList},
		{http.MethodGet, "/api/v1/stores/:code", s.getStore, readers, readStore(inPath)},
		{http.MethodPut, "/api/v1/stores/:code", s.putStore, admins, writeStore(inPath)},
		{http.MethodGet, "/api/v1/stores/:code/zones", s.getZones, zoneReaders, readStore(inPath)},
		{http.MethodPut, "/api/v1/stores/:code/zones", s.putZones, layouts, writeStore(inPath)},
		{http.MethodGet, "/api/v1/stores/:code/hotspots", s.getHotspots, readers, readStore(inPath)},
		{http.MethodGet, "/api/v1/stores/:code/layout-changes", s.getLayoutChanges, readers, readStore(inPath)},
		{http.MethodPost, "/api/v1/stores/:code/layout-changes", s.postLayoutChange, layouts, writeStore(inPath)},
		{http.MethodGet, "/api/v1/layout-changes/:id/evaluation", s.getEvaluation, readers, readStore(byID("layout change", s.changeStore))},
		{http.MethodGet, "/api/v1/stores/:code/recommendations", s.getRecommendations, readers, readStore(inPath)},
		{http.MethodPost, "/api/v1/stores/:code/recommendations/refresh", s.postRecommendationsRefresh, layouts, writeStore(inPath)},
		{http.MethodPost, "/api/v1/recommendations/:id/accept", s.acceptRecommendation, layouts, writeStore(byID("recommendation", s.recommendationStore))},
		{http.MethodPost, "/api/v1/recommendations/:id/reject", s.rejectRecommendation, layouts, writeStore(byID("recommendation", s.recommendationStore))},

		{http.MethodGet, "/api/v1/kpis", s.getKPIs, readers, scopedListOr(inQuery("store"))},
		{http.MethodGet, "/api/v1/fx-rates", s.getFXRates, readers, noStore},
		{http.MethodPut, "/api/v1/fx-rates", s.putFXRates, admins, estate},
		{http.MethodGet, "/api/v1/targets", s.getTargets, readers, scopedList},
		{http.MethodPut, "/api/v1/targets", s.putTarget, operators, writeStore(inBody("store"))},
		{http.MethodDelete, "/api/v1/targets", s.deleteTarget, operators, writeStore(inQuery("store"))},
		{http.MethodGet, "/api/v1/segments", s.getSegments, readers, scopedList},
		{http.MethodGet, "/api/v1/segments/history", s.getSegmentHistory, readers, scopedListOr(inQuery("store"))},
		{http.MethodGet, "/api/v1/findings", s.getFindings, readers, scopedListOr(inQuery("store"))},

		{http.MethodGet, "/api/v1/stores/:code/staffing-policy", s.getStaffingPolicy, readers, readStore(inPath)},
		{http.MethodPut, "/api/v1/stores/:code/staffing-policy", s.putStaffingPolicy, planners, writeStore(inPath)},
		{http.MethodPost, "/api/v1/stores/:code/staffing-plans", s.postStaffingPlan, planners, writeStore(inPath)},
		{http.MethodGet, "/api/v1/stores/:code/staffing-plans/:week", s.getStaffingPlan, readers, readStore(inPath)},
		{http.MethodGet, "/api/v1/staffing-plans/:week", s.getStaffingPlans, readers, scopedList},
		{http.MethodPost, "/api/v1/staffing/solve", s.postStaffingSolve, readers, noStore},
		{http.MethodPost, "/api/v1/staffing/erlang", s.postStaffingErlang, readers, noStore},
		{http.MethodGet, "/api/v1/soc-staffing", s.getSOCStaffing, readers, readStore(inQueryList("stores"))},
		{http.MethodGet, "/api/v1/jobs", s.listJobs, readers, noStore},
		{http.MethodGet, "/api/v1/jobs/:name/runs", s.jobRuns, readers, noStore},
		{http.MethodPost, "/api/v1/jobs/:name/run", s.runJob, admins, estate},
		{http.MethodGet, "/api/v1/stores/:code/reports", s.storeReports, readers, readStore(inPath)},
		{http.MethodGet, "/api/v1/reports", s.estateReports, readers, estate},
		{http.MethodGet, "/api/v1/reports/:id", s.getReport, readers, readStore(byID("report", s.reports.Store))},
		{http.MethodPost, "/api/v1/webhooks", s.postWebhook, admins, estate},
		{http.MethodGet, "/api/v1/webhooks", s.listWebhooks, admins, estate},
		{http.MethodDelete, "/api/v1/webhooks/:id", s.deleteWebhook, admins, estate},
		{http.MethodGet, "/api/v1/webhooks/:id/deliveries", s.webhookDeliveries, admins, estate},

		{http.MethodGet, "/api/v1/alerts", s.listAlerts, responders, scopedListOr(inQuery("store"))},
		{http.MethodGet, streamPath, s.alertStream, responders, scopedList},
		{http.MethodPost, "/api/v1/alerts/:id/claim", s.claimAlert, responders, writeStore(byID("alert", s.alertStore))},
		{http.MethodPost, "/api/v1/alerts/:id/release", s.releaseAlert, responders, writeStore(byID("alert", s.alertStore))},
		{http.MethodPost, "/api/v1/alerts/:id/close", s.closeAlert, responders, writeStore(byID("alert", s.alertStore))},
		{http.MethodGet, "/api/v1/alerts/:id/evidence", s.getEvidence, responders, readStore(byID("alert", s.alertStore))},
		{http.MethodGet, "/api/v1/alerts/:id/evidence/views", s.getEvidenceViews, operators, readStore(byID("alert", s.alertStore))},
		{http.MethodGet, "/api/v1/stores/:code/alert-settings", s.getAlertSettings, responders, readStore(inPath)},
		{http.MethodPut, "/api/v1/stores/:code/alert-settings", s.putAlertSettings, operators, writeStore(inPath)},

		{http.MethodPost, "/api/v1/checkout/presence", s.postPresence, writers, itemStores},
		{http.MethodGet, "/api/v1/checkout/lanes/:code/:lane", s.getLane, tills, readStore(inPath)},
		{http.MethodPost, "/api/v1/checkout/outcomes", s.postCheckoutOutcomes, tills, itemStores},
		{http.MethodGet, "/api/v1/stores/:code/checkout-policy", s.getCheckoutPolicy, operators, readStore(inPath)},
		{http.MethodPut, "/api/v1/stores/:code/checkout-policy", s.putCheckoutPolicy, admins, writeStore(inPath)},
		{http.MethodGet, "/api/v1/stores/:code/checkout-friction", s.getCheckoutFriction, readers, readStore(inPath)},

		{http.MethodPost, "/api/v1/events", s.postEvents, writers, itemStores},
		{http.MethodPost, "/api/v1/outcomes", s.postOutcomes, writers, itemEvents},
		{http.MethodPut, "/api/v1/events/:id/evidence", s.putEvidence, writers, writeStore(byUUID("event", s.eventStore))},
		{http.MethodPost, "/api/v1/footfall", s.postFootfall, writers, itemStores},
		{http.MethodPost, "/api/v1/sales", s.postSales, writers, itemStores},

		{http.MethodGet, "/login", s.loginPage, anyone, noStore},
		{http.MethodPost, "/login", s.login, anyone, noStore},
		{http.MethodPost, "/logout", s.logout, anyone, noStore},
		{http.MethodGet, "/", s.estatePage, readers, scopedList},
		{http.MethodGet, "/static/echarts.min.js", s.echarts, anyone, noStore},
		{http.MethodGet, "/stores/:code", s.storePage, readers, readStore(inPath)},
		{http.MethodPost, "/stores/:code/targets", s.setStoreTarget, operators, writeStore(inPath)},
		{http.MethodGet, "/segments", s.segmentsPage, readers, scopedList},
		{http.MethodGet, "/layout", s.layoutIndex, layouts, scopedList},
		{http.MethodGet, "/stores/:code/layout", s.layoutPage, readers, readStore(inPath)},
		{http.MethodPost, "/stores/:code/layout/recommendations/:id/:decision", s.decideOnPage, layouts, writeStore(inPath)},
		{http.MethodPost, "/stores/:code/layout/recommendations/:id/implement", s.implementOnPage, layouts, writeStore(inPath)},
		{http.MethodGet, "/staffing", s.staffingPage, staffViewers, scopedListOr(inQuery("store"))},
		{http.MethodPost, "/staffing/plan", s.buildPlanOnPage, planners, writeStore(inForm("store"))},
		{http.MethodGet, "/reports", s.reportsPage, readers, scopedList},
		{http.MethodGet, "/jobs", s.jobsPage, readers, noStore},
		{http.MethodPost, "/jobs/:name/run", s.runJobOnPage, admins, estate},
		{http.MethodGet, "/soc", s.socPage, responders, scopedList},
		{http.MethodGet, "/static/*", s.static, anyone, noStore},
	}
}

// register adds every route, its handler behind authorize (roles and rate
// limit), the read gate for reads (readgate.go) and guard (scope).
func (s *Server) register(e *echo.Echo) {
	for _, r := range s.routes() {
		if err := r.check(); err != nil {
			panic(err)
		}
		h := r.Handler
		if replicaRead(r) {
			h = s.fromReplica(h)
		}
		if r.Roles != nil {
			h = s.guard(r.Scope, h)
			if gated(r) {
				h = s.gate(h)
			}
			h = s.authorize(r.Roles, h)
		}
		if formRoute(r) {
			h = formBody(h)
		}
		e.Add(r.Method, r.Path, h)
	}
}

// changeStore and recommendationStore resolve the store of a layout change
// and of a recommendation, for the routes that name them by id.
func (s *Server) changeStore(ctx context.Context, id int64) (string, error) {
	ch, err := s.layout.Change(ctx, id)
	if err != nil {
		return "", err
	}
	return ch.Store, nil
}

func (s *Server) recommendationStore(ctx context.Context, id int64) (string, error) {
	r, err := s.layout.Recommendation(ctx, id)
	if err != nil {
		return "", err
	}
	return r.Store, nil
}
