package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"sync"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ErrNoChromium means no Chromium binary was found; scripts/ensure-chromium installs one.
var ErrNoChromium = errors.New("browser: no chromium binary (install Debian's chromium: scripts/ensure-chromium)")

// ExecPath finds Chromium: $CHROMIUM, else chromium or chromium-browser on PATH.
func ExecPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Session is one headless browser with one tab.
type Session struct {
	Ctx    context.Context // the tab: pass to chromedp.Run
	cancel []context.CancelFunc

	mu       sync.Mutex
	requests []string // every URL the tab asked for
	errors   []string // console errors and uncaught exceptions
}

// Start launches Chromium with a fresh profile in profileDir (which the
// caller removes) and opens a tab.
func Start(ctx context.Context, profileDir string) (*Session, error) {
	path, err := ExecPath()
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(profileDir),
		chromedp.WindowSize(1366, 900),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	s := &Session{}
	tctx, tcancel := chromedp.NewContext(actx, chromedp.WithListener(s.observe))
	s.Ctx, s.cancel = tctx, []context.CancelFunc{tcancel, acancel}
	if err := chromedp.Do(tctx, chromedp.Navigate("about:blank")); err != nil {
		s.Close()
		return nil, fmt.Errorf("browser: start chromium at %s: %w", path, err)
	}
	return s, nil
}

// observe records requests and script errors; it runs in the tab's event
// loop, so it only appends under the lock.
func (s *Session) observe(ev any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		s.requests = append(s.requests, e.Request.URL)
	case *runtime.EventExceptionThrown:
		s.errors = append(s.errors, e.ExceptionDetails.Text)
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError {
			s.errors = append(s.errors, fmt.Sprintf("console.error: %d arguments", len(e.Args)))
		}
	}
}

// Close ends the tab and the browser.
func (s *Session) Close() {
	for _, c := range s.cancel {
		c()
	}
}

// Requests returns every URL the tab has requested so far.
func (s *Session) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Errors returns the script errors the tab has reported so far.
func (s *Session) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errors...)
}

// Offsite lists the requests that went anywhere but the loopback host:
// data: and about: URLs stay in the browser and are not counted.
func (s *Session) Offsite() []string {
	var out []string
	for _, raw := range s.Requests() {
		u, err := url.Parse(raw)
		if err != nil {
			out = append(out, raw)
			continue
		}
		switch u.Scheme {
		case "data", "about", "blob":
			continue
		}
		if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
			out = append(out, raw)
		}
	}
	return out
}
