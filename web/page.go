package web

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// menuEntry is one item of the page menu and the roles it is shown to.
type menuEntry struct {
	Key, Label, Href string
	Roles            []ss.Role
}

// menu lists the pages in menu order; a role sees the entries it may open.
var menu = []menuEntry{
	{"estate", "Estate", "/", operators},
	{"layout", "Layout", "/layout", layouts},
	{"segments", "Segments", "/segments", readers},
	{"staffing", "Staffing", "/staffing", staffViewers},
	{"reports", "Reports", "/reports", readers},
	{"jobs", "Jobs", "/jobs", readers},
	{"soc", "SOC console", "/soc", responders},
}

// menuItem is a menu entry as one page shows it.
type menuItem struct {
	Label, Href string
	Active      bool
}

// shell is what every signed-in page shares: title, who is signed in, the
// menu for their role and the session's anti-forgery token for its forms.
type shell struct {
	Title     string
	Principal *ss.Principal
	Menu      []menuItem
	CSRF      string
	Period    *period // nil on pages without a period picker
	// DataAsOf is "data as of …" when the page's figures come from a read
	// replica lagging past --read-stale-after (replica.go); else empty.
	DataAsOf string
}

// newShell builds the shell of the page key for the request's principal.
func newShell(c echo.Context, key, title string) shell {
	p := principal(c)
	sh := shell{Title: title, Principal: p, DataAsOf: staleNote(c)}
	if secret, _ := c.Get(sessionKey).(string); secret != "" {
		sh.CSRF = csrfToken(secret)
	}
	for _, m := range menu {
		if p != nil && slices.Contains(m.Roles, p.Role) {
			sh.Menu = append(sh.Menu, menuItem{Label: m.Label, Href: m.Href, Active: m.Key == key})
		}
	}
	return sh
}

// homeOf is where a role lands after signing in: the first page of its menu.
func homeOf(r ss.Role) string {
	for _, m := range menu {
		if slices.Contains(m.Roles, r) {
			return m.Href
		}
	}
	return "/"
}

// errorPage renders an error for a browser: the status, its message and a way back.
func (s *Server) errorPage(c echo.Context, status int, msg string) error {
	sh := shell{Title: http.StatusText(status), Principal: principal(c)}
	if sh.Principal != nil {
		sh = newShell(c, "", http.StatusText(status))
	}
	return render(c, status, "error.html", struct {
		shell
		Status  int
		Message string
	}{sh, status, msg})
}
