package estate

import (
	"errors"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

type failSink struct {
	Counter
	after int64
}

var errFull = errors.New("sink full")

func (f *failSink) Event(ev ss.Event) error {
	if f.Events >= f.after {
		return errFull
	}
	return f.Counter.Event(ev)
}

func TestStreamErrors(t *testing.T) {
	t.Parallel()
	e := New(Config{Stores: 2, Days: 5, End: testEnd})
	if err := e.Stream(2, &Counter{}); err == nil {
		t.Fatal("store index 2 of 2: no error")
	}
	if err := e.Stream(-1, &Counter{}); err == nil {
		t.Fatal("store index -1: no error")
	}
	fs := &failSink{after: 10}
	if err := e.Stream(0, fs); !errors.Is(err, errFull) || fs.Events != 10 {
		t.Fatalf("err %v after %d events, want errFull after 10", err, fs.Events)
	}
}
