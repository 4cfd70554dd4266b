package alerts

import (
	"context"
)

// Feed is one console's stream: the outbox's messages after the id it
// resumes from, then the hub's live ones, each once and in id order.
type Feed struct {
	sub *Sub
	// Backlog are the messages to send first (a resume's replay).
	Backlog []Message
	// Resync is set when the resume id is older than the outbox keeps (or
	// too far behind to replay): the console must reload the alert list.
	Resync bool
	// Cursor is the id the feed stands at once Backlog is sent: the id of a
	// resync or ready message.
	Cursor int64
}

// Follow opens a feed of stores (nil: every store). With resume it replays
// what came after lastID, or sets Resync when that is no longer kept;
// without, it starts at the outbox's head.
func (s *Service) Follow(ctx context.Context, stores []string, resume bool, lastID int64) (*Feed, error) {
	// Subscribe first: every row committed after the head read below then
	// reaches the hub, and Next drops what the backlog already holds.
	sub, err := s.hub.Subscribe(ctx, stores)
	if err != nil {
		return nil, err
	}
	f := &Feed{sub: sub}
	last, purged, err := s.head(ctx)
	if err != nil {
		sub.Close()
		return nil, err
	}
	f.Cursor = last
	if !resume {
		return f, nil
	}
	if lastID < purged || lastID > last {
		f.Resync = true
		return f, nil
	}
	msgs, err := changesAfter(ctx, s.pool, lastID, stores, MaxReplay+1)
	if err != nil {
		sub.Close()
		return nil, err
	}
	if len(msgs) > MaxReplay {
		f.Resync = true
		return f, nil
	}
	f.Backlog, f.Cursor = msgs, lastID
	if len(msgs) > 0 {
		f.Cursor = msgs[len(msgs)-1].ID
	}
	return f, nil
}

// Live delivers the hub's messages; Accept says which to send.
func (f *Feed) Live() <-chan Message { return f.sub.C() }

// Accept reports whether m is past the feed's cursor, and moves it.
func (f *Feed) Accept(m Message) bool {
	if m.ID <= f.Cursor {
		return false
	}
	f.Cursor = m.ID
	return true
}

// Close ends the feed's subscription.
func (f *Feed) Close() { f.sub.Close() }
