package web

import (
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
)

// route is one line of the API surface: method, path, handler and who may call it.
type route struct {
	Method  string
	Path    string
	Handler echo.HandlerFunc
	Roles   []ss.Role
}

// routes is the whole HTTP surface in one list; the OpenAPI document and the
// permission tests are checked against it.
func (s *Server) routes() []route {
	return []route{
		{http.MethodGet, "/healthz", s.healthz, anyone},
		{http.MethodGet, "/readyz", s.readyz, anyone},
		{http.MethodGet, "/metrics", s.metricsHandler, anyone},
		{http.MethodGet, "/api/v1/openapi.json", s.openapi, anyone},
		{http.MethodGet, "/api/v1/me", s.me, ss.Roles},

		{http.MethodGet, "/api/v1/stores", s.listStores, readers},
		{http.MethodGet, "/api/v1/stores/:code", s.getStore, readers},
		{http.MethodPut, "/api/v1/stores/:code", s.putStore, admins},
		{http.MethodGet, "/api/v1/stores/:code/zones", s.getZones, zoneReaders},
		{http.MethodPut, "/api/v1/stores/:code/zones", s.putZones, layouts},
		{http.MethodGet, "/api/v1/stores/:code/hotspots", s.getHotspots, readers},
		{http.MethodGet, "/api/v1/stores/:code/layout-changes", s.getLayoutChanges, readers},
		{http.MethodPost, "/api/v1/stores/:code/layout-changes", s.postLayoutChange, layouts},
		{http.MethodGet, "/api/v1/layout-changes/:id/evaluation", s.getEvaluation, readers},
		{http.MethodGet, "/api/v1/stores/:code/recommendations", s.getRecommendations, readers},
		{http.MethodPost, "/api/v1/recommendations/:id/accept", s.acceptRecommendation, layouts},
		{http.MethodPost, "/api/v1/recommendations/:id/reject", s.rejectRecommendation, layouts},

		{http.MethodGet, "/api/v1/kpis", s.getKPIs, readers},
		{http.MethodGet, "/api/v1/targets", s.getTargets, readers},
		{http.MethodPut, "/api/v1/targets", s.putTarget, operators},
		{http.MethodDelete, "/api/v1/targets", s.deleteTarget, operators},
		{http.MethodGet, "/api/v1/segments", s.getSegments, readers},
		{http.MethodGet, "/api/v1/segments/history", s.getSegmentHistory, readers},

		{http.MethodGet, "/api/v1/stores/:code/staffing-policy", s.getStaffingPolicy, readers},
		{http.MethodPut, "/api/v1/stores/:code/staffing-policy", s.putStaffingPolicy, planners},
		{http.MethodPost, "/api/v1/stores/:code/staffing-plans", s.postStaffingPlan, planners},
		{http.MethodGet, "/api/v1/stores/:code/staffing-plans/:week", s.getStaffingPlan, readers},
		{http.MethodGet, "/api/v1/staffing-plans/:week", s.getStaffingPlans, readers},
		{http.MethodPost, "/api/v1/staffing/solve", s.postStaffingSolve, readers},
		{http.MethodPost, "/api/v1/staffing/erlang", s.postStaffingErlang, readers},
		{http.MethodGet, "/api/v1/soc-staffing", s.getSOCStaffing, readers},
		{http.MethodGet, "/api/v1/jobs", s.listJobs, readers},
		{http.MethodGet, "/api/v1/jobs/:name/runs", s.jobRuns, readers},
		{http.MethodPost, "/api/v1/jobs/:name/run", s.runJob, admins},
		{http.MethodGet, "/api/v1/stores/:code/reports", s.storeReports, readers},
		{http.MethodGet, "/api/v1/reports", s.estateReports, readers},
		{http.MethodGet, "/api/v1/reports/:id", s.getReport, readers},
		{http.MethodPost, "/api/v1/webhooks", s.postWebhook, admins},
		{http.MethodGet, "/api/v1/webhooks", s.listWebhooks, admins},
		{http.MethodDelete, "/api/v1/webhooks/:id", s.deleteWebhook, admins},
		{http.MethodGet, "/api/v1/webhooks/:id/deliveries", s.webhookDeliveries, admins},

		{http.MethodPost, "/api/v1/events", s.postEvents, writers},
		{http.MethodPost, "/api/v1/outcomes", s.postOutcomes, writers},
		{http.MethodPost, "/api/v1/footfall", s.postFootfall, writers},
		{http.MethodPost, "/api/v1/sales", s.postSales, writers},

		{http.MethodGet, "/login", s.loginPage, anyone},
		{http.MethodPost, "/login", s.login, anyone},
		{http.MethodPost, "/logout", s.logout, anyone},
		{http.MethodGet, "/", s.estatePage, readers},
		{http.MethodGet, "/static/echarts.min.js", s.echarts, anyone},
		{http.MethodGet, "/stores/:code", s.storePage, readers},
		{http.MethodPost, "/stores/:code/targets", s.setStoreTarget, operators},
		{http.MethodGet, "/segments", s.segmentsPage, readers},
		{http.MethodGet, "/layout", s.layoutIndex, layouts},
		{http.MethodGet, "/stores/:code/layout", s.layoutPage, readers},
		{http.MethodPost, "/stores/:code/layout/recommendations/:id/:decision", s.decideOnPage, layouts},
		{http.MethodPost, "/stores/:code/layout/recommendations/:id/implement", s.implementOnPage, layouts},
		{http.MethodGet, "/staffing", s.staffingPage, staffViewers},
		{http.MethodPost, "/staffing/plan", s.buildPlanOnPage, planners},
		{http.MethodGet, "/reports", s.reportsPage, readers},
		{http.MethodGet, "/jobs", s.jobsPage, readers},
		{http.MethodPost, "/jobs/:name/run", s.runJobOnPage, admins},
		{http.MethodGet, "/static/*", s.static, anyone},
	}
}

func (s *Server) register(e *echo.Echo) {
	for _, r := range s.routes() {
		h := r.Handler
		if r.Roles != nil {
			h = s.authorize(r.Roles, h)
		}
		e.Add(r.Method, r.Path, h)
	}
}
