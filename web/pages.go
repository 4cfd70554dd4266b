package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var pages = template.Must(template.New("").Funcs(pageFuncs).ParseFS(templateFS, "templates/*.html"))

func render(c echo.Context, status int, name string, data any) error {
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", pageCSP)
	return c.HTML(status, b.String())
}

func (s *Server) loginPage(c echo.Context) error {
	return render(c, http.StatusOK, "login.html", map[string]any{"Error": "", "Hint": s.opt.TokenHint})
}

// login checks a pasted token and opens a server-side session for it,
// whose id alone goes in the cookie: the token never leaves the form.
func (s *Server) login(c echo.Context) error {
	secret := strings.TrimSpace(c.FormValue("token"))
	p, err := s.tokens.Authenticate(c.Request().Context(), secret)
	if err != nil {
		if ss.ErrorCode(err) == ss.EUNAUTHORIZED {
			return render(c, http.StatusUnauthorized, "login.html", map[string]any{"Error": "Unknown or revoked token.", "Hint": s.opt.TokenHint})
		}
		return err
	}
	if p.Role == ss.RoleIngest {
		return render(c, http.StatusForbidden, "login.html", map[string]any{"Error": "Ingest tokens cannot read dashboards.", "Hint": s.opt.TokenHint})
	}
	if p.Role == ss.RoleCheckout {
		return render(c, http.StatusForbidden, "login.html", map[string]any{"Error": "Checkout tokens are for the point of sale's lane API, not dashboards.", "Hint": s.opt.TokenHint})
	}
	if !sameOrigin(c.Request()) {
		return render(c, http.StatusForbidden, "login.html", map[string]any{"Error": "Sign in from this site's own sign-in page.", "Hint": s.opt.TokenHint})
	}
	id, expires, err := s.tokens.StartSession(c.Request().Context(), p.TokenID, s.opt.SessionTTL)
	if err != nil {
		return err
	}
	// Lax, not Strict: a link to a dashboard from mail or chat opens signed
	// in; cross-site POSTs still carry no cookie, and every form its CSRF token.
	c.SetCookie(&http.Cookie{
		Name: cookieName, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: c.Scheme() == "https", Expires: expires,
	})
	return c.Redirect(http.StatusSeeOther, homeOf(p.Role))
}

// logout ends the session on the server, so the cookie opens nothing even
// if a copy of it survives, and clears it in the browser. It needs the
// session's anti-forgery token like every other form (the pages' sign-out
// control sends it): else a cross-site page could sign a user out at will.
// Without a session cookie there is nothing to end: it goes to the login
// page.
func (s *Server) logout(c echo.Context) error {
	ck, err := c.Cookie(cookieName)
	if err == nil && ck.Value != "" {
		if err := checkCSRF(c, ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
	if err == nil && ck.Value != "" {
		if err := s.tokens.EndSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) static(c echo.Context) error {
	sub, _ := fs.Sub(staticFS, "static")
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(sub))))(c)
}
