// Package browser drives a headless Debian Chromium through chromedp for the
// page tests and the screenshots: a fresh profile per session, no network
// beyond what the page itself asks for, and a log of every request so a test
// can prove nothing left localhost.
package browser
