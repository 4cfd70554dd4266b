package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

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
	c.Response().Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'")
	return c.HTML(status, b.String())
}

func (s *Server) loginPage(c echo.Context) error {
	return render(c, http.StatusOK, "login.html", map[string]any{"Error": ""})
}

// login checks a pasted token and keeps it in an HttpOnly cookie for the pages.
func (s *Server) login(c echo.Context) error {
	secret := strings.TrimSpace(c.FormValue("token"))
	p, err := s.tokens.Authenticate(c.Request().Context(), secret)
	if err != nil {
		if ss.ErrorCode(err) == ss.EUNAUTHORIZED {
			return render(c, http.StatusUnauthorized, "login.html", map[string]any{"Error": "Unknown or revoked token."})
		}
		return err
	}
	if p.Role == ss.RoleIngest {
		return render(c, http.StatusForbidden, "login.html", map[string]any{"Error": "Ingest tokens cannot read dashboards."})
	}
	if !sameOrigin(c.Request()) {
		return render(c, http.StatusForbidden, "login.html", map[string]any{"Error": "Sign in from this site's own sign-in page."})
	}
	c.SetCookie(&http.Cookie{
		Name: cookieName, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Scheme() == "https", Expires: time.Now().Add(12 * time.Hour),
	})
	return c.Redirect(http.StatusSeeOther, homeOf(p.Role))
}

func (s *Server) logout(c echo.Context) error {
	c.SetCookie(&http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) static(c echo.Context) error {
	sub, _ := fs.Sub(staticFS, "static")
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(sub))))(c)
}
