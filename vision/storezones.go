package vision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// StoreZones keeps one store's zones for mapping floor positions: fetched
// from the server and kept in the spool (unless Dry), started from the
// spool's copy while the server is away, and refreshed on a ticker so that
// mapping follows the layout version in force. The vision Runner and the
// Frigate bridge share it.
type StoreZones struct {
	Index              atomic.Pointer[ZoneIndex]
	Store              string
	Client             *Client
	Spool              *Spool
	Dry                bool // keep no copy in the spool
	Wait               bool // a permanent refusal waits (delivery.on_refusal: wait) instead of ending Load
	RetryMin, RetryMax time.Duration
	Log                *slog.Logger
	Who                string // "vision" or "frigate", naming the process in errors
}

// Load fetches the zones. With the server away it starts from the spool's
// copy, and without one it waits for the server. A permanent refusal (401,
// 403, 404) ends it, unless Wait; a bad zone set from the server ends it.
func (z *StoreZones) Load(ctx context.Context) error {
	backoff := z.RetryMin
	logged := false
	for {
		err := z.Fetch(ctx)
		if err == nil {
			return nil
		}
		if ss.ErrorCode(err) == ss.EINVALID {
			return err
		}
		var re *RefusedError
		refused := errors.As(err, &re)
		if refused && !z.Wait {
			z.Log.Error("cannot start", "err", err.Error())
			return err
		}
		if data, cerr := z.Spool.LoadZones(); cerr == nil {
			if zs, perr := ParseZones(data); perr == nil {
				z.Index.Store(NewZoneIndex(zs))
				z.Log.Warn("zones from the spool's copy; the server is away or refuses", "err", err.Error(), "zones", len(zs))
				return nil
			}
		}
		if refused {
			backoff = z.RetryMax
			if !logged {
				z.Log.Error("the server refuses the zones; waiting (delivery.on_refusal: wait)", "err", err.Error())
				logged = true
			}
		} else {
			z.Log.Warn("waiting for the server's zones", "err", err.Error(), "retry_in", backoff)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, z.RetryMax)
	}
}

// Fetch reads the zones from the server once and keeps them.
func (z *StoreZones) Fetch(ctx context.Context) error {
	data, err := z.Client.Zones(ctx, z.Store)
	if err != nil {
		return err
	}
	zs, err := ParseZones(data)
	if err != nil {
		return fmt.Errorf("%s: zones of store %s from the server: %w", z.Who, z.Store, err)
	}
	z.Index.Store(NewZoneIndex(zs))
	if !z.Dry {
		if err := z.Spool.SaveZones(data); err != nil {
			return err
		}
	}
	z.Log.Info("zones", "store", z.Store, "zones", len(zs))
	return nil
}

// Refresh fetches the zones every period until ctx ends, keeping those in
// use when a fetch fails.
func (z *StoreZones) Refresh(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := z.Fetch(ctx); err != nil && ctx.Err() == nil {
				z.Log.Warn("zones refresh failed; keeping the zones in use", "err", err)
			}
		}
	}
}
