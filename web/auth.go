package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// cookieName holds a browser session's id, set by the login page; the
// session itself (its token, expiry and last use) is kept in the database.
const cookieName = "shrinkscope_session"

const (
	principalKey = "principal"
	sessionKey   = "session" // the cookie's session id, for the page's CSRF token
)

// authorize admits requests whose token has one of roles and is within its
// rate limit; the principal is then available through principal(c).
func (s *Server) authorize(roles []ss.Role, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret, fromCookie := bearer(c.Request())
		if secret == "" {
			if wantsHTML(c) {
				return c.Redirect(http.StatusSeeOther, "/login")
			}
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="shrinkscope"`)
			return ss.Errorf(ss.EUNAUTHORIZED, "Authorization", "a bearer token is required (Authorization: Bearer sst_…)")
		}
		var p *ss.Principal
		var err error
		if fromCookie {
			p, err = s.tokens.Session(c.Request().Context(), secret, s.opt.SessionIdle)
		} else {
			p, err = s.tokens.Authenticate(c.Request().Context(), secret)
		}
		if err != nil {
			if fromCookie && ss.ErrorCode(err) == ss.EUNAUTHORIZED && wantsHTML(c) {
				return c.Redirect(http.StatusSeeOther, "/login")
			}
			return err
		}
		if err := s.limit(c, p); err != nil {
			return err
		}
		if !slices.Contains(roles, p.Role) {
			return ss.Errorf(ss.EFORBIDDEN, "", "role %s may not %s %s", p.Role, c.Request().Method, c.Path())
		}
		if fromCookie && !safeMethod(c.Request().Method) {
			if err := checkCSRF(c, secret); err != nil {
				return err
			}
		}
		c.Set(principalKey, p)
		c.Set(sessionKey, secret)
		return next(c)
	}
}

func principal(c echo.Context) *ss.Principal {
	p, _ := c.Get(principalKey).(*ss.Principal)
	return p
}

// bearer returns the request's credential: the token of its Authorization
// header, else the session id of its cookie.
func bearer(r *http.Request) (secret string, fromCookie bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(tok), false
		}
		return "", false
	}
	if ck, err := r.Cookie(cookieName); err == nil {
		return ck.Value, true
	}
	return "", false
}

func wantsHTML(c echo.Context) bool {
	return c.Request().Method == http.MethodGet && strings.Contains(c.Request().Header.Get("Accept"), "text/html")
}

func (s *Server) me(c echo.Context) error {
	p := principal(c)
	return c.JSON(http.StatusOK, map[string]any{"name": p.Name, "role": p.Role, "stores": p.Stores})
}
