package vision

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	ss "github.com/shrinkscope/shrinkscope"
)

// RefusedError is a permanent refusal: the server will refuse every item of
// the kind until a person changes the configuration (the token, its role or
// stores, the store code), so retrying cannot help. The spool keeps the
// items.
type RefusedError struct {
	Kind    string // events, footfall, presence or zones
	Status  int
	Message string // the server's error message
	Waiting int    // items the spool keeps for this kind
}

func (e *RefusedError) Error() string {
	if e.Kind == "zones" {
		return fmt.Sprintf("vision: the server refuses GET zones for good (%d %s: %s): %s; nothing is read or sent until it is fixed",
			e.Status, http.StatusText(e.Status), e.Message, refusalHint(e.Status))
	}
	return fmt.Sprintf("vision: the server refuses POST %s for good (%d %s: %s): %s; the spool keeps %d item(s) for when it is fixed",
		e.Kind, e.Status, http.StatusText(e.Status), e.Message, refusalHint(e.Status), e.Waiting)
}

// refusalHint says what a person fixes for each permanent status.
func refusalHint(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "server.token is not a valid token (revoked, expired or mistyped)"
	case http.StatusForbidden:
		return "server.token may not do this: it needs the ingest role and this store among its stores"
	case http.StatusNotFound:
		return "the store is unknown to the server, or server.token is scoped to other stores"
	default:
		return "the items name a store or fields this server does not accept: check store and the server's version"
	}
}

// permanent reports whether an answer refuses the whole kind for good:
// 401, 403 and 404 always; 422 when it is about the request rather than
// some of its items (no item named, or the store itself unknown, which
// every item of this process carries). A 422 naming other fields of some
// items is that data's fault, and those items are set aside.
func permanent(r response) (bool, string) {
	var eb struct {
		Error struct {
			Message string         `json:"message"`
			Items   []ss.ItemError `json:"items"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &eb)
	msg := eb.Error.Message
	if msg == "" {
		msg = string(bytes.TrimSpace(r.body))
	}
	switch r.status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return true, msg
	case http.StatusUnprocessableEntity:
		if len(eb.Error.Items) == 0 {
			return true, msg
		}
		for _, it := range eb.Error.Items {
			if it.Field == "store" {
				return true, fmt.Sprintf("item %d: %s", it.Index, it.Message)
			}
		}
	}
	return false, ""
}
