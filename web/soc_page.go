package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// socPage is the SOC console's shell: the page's own script
// (/static/soc.js) fills it from the alert list and keeps it live through
// the alert stream. The outcomes offered are the kinds the outcomes path
// accepts, so a new kind appears here with no change to the script.
func (s *Server) socPage(c echo.Context) error {
	if s.alerts == nil {
		return noAlerts()
	}
	p := principal(c)
	return render(c, http.StatusOK, "soc.html", struct {
		shell
		Outcomes []ss.OutcomeKind
		TokenID  int64
		Override bool
	}{newShell(c, "soc", "SOC console"), ss.OutcomeKinds, p.TokenID, p.Role == ss.RoleAdmin || p.Role == ss.RoleOps})
}
