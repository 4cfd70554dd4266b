package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// csrfField is the form field (and csrfHeader the header) that carries a
// page's anti-forgery token.
const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

// csrfToken derives a browser session's anti-forgery token from its session
// secret. A forged cross-site form cannot carry it: the secret lives in an
// HttpOnly cookie the attacker cannot read, and the hash cannot be inverted.
// Derived, not stored, so every replica checks it without shared state.
func csrfToken(secret string) string {
	sum := sha256.Sum256([]byte("shrinkscope csrf\x00" + secret))
	return hex.EncodeToString(sum[:16])
}

// safeMethod reports whether m changes nothing, so needs no token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF rejects a state-changing request authenticated by the session
// cookie unless it carries the session's token. Requests with a bearer
// header are not exposed to forgery (browsers never add one on their own).
func checkCSRF(c echo.Context, secret string) error {
	got := c.Request().Header.Get(csrfHeader)
	if got == "" {
		got = c.FormValue(csrfField)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(secret))) != 1 {
		return ss.Errorf(ss.EFORBIDDEN, csrfField, "the form is missing its anti-forgery token or it is stale: reload the page and try again")
	}
	return nil
}

// sameOrigin reports whether a cross-origin form could have sent r: when the
// browser names an Origin (or, failing that, a Referer), its host must be
// the request's own.
func sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return true
	}
	u, err := url.Parse(src)
	return err == nil && u.Host == r.Host
}
