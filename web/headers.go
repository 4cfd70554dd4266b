package web

import (
	"github.com/labstack/echo/v4"
)

// defaultCSP is the policy of every answer that is not a page: JSON,
// downloads and errors load nothing and may not be framed. Pages and the
// report snapshot set their own, which forbid framing too.
const defaultCSP = "default-src 'none'; frame-ancestors 'none'"

// pageCSP is the policy of the server's pages: only the binary's own
// scripts and styles, never framed by another site (clickjacking).
const pageCSP = "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// secureHeaders gives every answer the headers that keep a browser from
// guessing its type, framing it, leaking its address to other sites or
// keeping a copy: pages, API answers and downloads (CSV, XLSX, zip,
// reports) hold a store's figures, which a shared computer's cache or a
// proxy must not keep. Handlers of public assets (/static/) override
// Cache-Control, and pages the policy, before they write.
func secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: under no-referrer a browser sends
		// "Origin: null" with a form, and sign-in checks the Origin.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", defaultCSP)
		return next(c)
	}
}
