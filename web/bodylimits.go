package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// maxFormBytes caps the body of a form (sign-in and the pages' buttons and
// forms): the largest a page sends is a reason or a description of a few
// hundred characters, while /login reads its body before anyone is known,
// so it must not take megabytes from a stranger.
const maxFormBytes = 64 << 10

// formRoute reports whether r takes a form: a POST outside the API.
func formRoute(r route) bool {
	return r.Method == http.MethodPost && !strings.HasPrefix(r.Path, "/api/")
}

// formBody reads a form route's body, at most maxFormBytes (413 past it),
// before anything else looks at it: echo's FormValue would otherwise parse
// up to 32 MiB of multipart and ignore the error.
func formBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, maxFormBytes)
		var err error
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			err = r.ParseMultipartForm(maxFormBytes)
		} else {
			err = r.ParseForm()
		}
		var mbe *http.MaxBytesError
		switch {
		case err == nil:
			if err := checkForm(r.Form); err != nil {
				return err
			}
			return next(c)
		case errors.As(err, &mbe), errors.Is(err, multipart.ErrMessageTooLarge):
			return ss.Errorf(ss.ETOOLARGE, "body", "a form body is at most %d bytes", maxFormBytes)
		case errors.Is(err, errSlowBody):
			return slowBody()
		default:
			return ss.Errorf(ss.EINVALID, "body", "the form cannot be read: %v", err)
		}
	}
}

// errSlowBody is what a request body's Read returns once the body has
// fallen behind Options.MinBodyRate after Options.BodyGrace.
var errSlowBody = errors.New("request body arrives too slowly")

// slowBody is the answer to a body cut for its rate: 408.
func slowBody() error {
	return echo.NewHTTPError(http.StatusRequestTimeout, "the request body arrived too slowly and was cut; send it again")
}

// bodyDeadline holds a request body to a rate: the first BodyGrace is free,
// and from then on the body must have arrived at MinBodyRate bytes a second
// on average, or its reads fail and the request answers 408. A trickling
// body (a byte every few seconds, to hold a connection and a goroutine
// open) is cut within the grace, while a large ingest batch on a slow
// store uplink, far above the minimum rate, is read to its end however
// long it takes. The deadline is the connection's read deadline
// (http.ResponseController), so a client that sends nothing at all is cut
// too; it is lifted once the body is read to its end, so the connection
// serves its next request under the server's own timeouts.
func (s *Server) bodyDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			return next(c)
		}
		rc := http.NewResponseController(c.Response())
		start := time.Now()
		if rc.SetReadDeadline(start.Add(s.opt.BodyGrace)) != nil {
			return next(c) // not a network connection (a test's recorder)
		}
		r.Body = &ratedBody{rc: rc, body: r.Body, start: start, grace: s.opt.BodyGrace, rate: float64(s.opt.MinBodyRate)}
		return next(c)
	}
}

// ratedBody is a request body whose every Read is due by start + grace +
// (bytes read so far) / rate.
type ratedBody struct {
	rc    *http.ResponseController
	body  io.ReadCloser
	start time.Time
	grace time.Duration
	rate  float64 // bytes per second
	read  int64
	done  bool
}

func (b *ratedBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	due := b.start.Add(b.grace + time.Duration(float64(b.read)/b.rate*float64(time.Second)))
	_ = b.rc.SetReadDeadline(due)
	n, err := b.body.Read(p)
	b.read += int64(n)
	switch {
	case errors.Is(err, io.EOF):
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = errSlowBody
	}
	return n, err
}

func (b *ratedBody) Close() error { return b.body.Close() }
