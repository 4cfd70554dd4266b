package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// A token may be limited to some stores (Principal.Stores). Each line of the
// route table says how its route meets that limit, and register holds the
// route to it before the handler runs: handlers check no scope of their own.
// A store code "" names the estate, which only a token without a store limit
// may read or write.

// scopeKind is how a route meets a token's store limit.
type scopeKind int

const (
	// scopeNone: no store is involved (public routes, the caller itself,
	// calculators, the job schedule).
	scopeNone scopeKind = iota
	// scopeRead: the route reads the stores the request names; one outside
	// the token's stores answers exactly as a missing one does (404), so
	// scope does not reveal existence.
	scopeRead
	// scopeWrite: the route changes the store the request names; one outside
	// the token's stores is refused (403) before anything is read. The
	// refusal repeats only the code the caller sent, so it reveals nothing.
	// A store found from a resource id is the exception: there the resource
	// reads as missing (404), as a 403 would confirm that the id exists.
	scopeWrite
	// scopeList: the route lists or sums over the token's stores, which the
	// handler reads from visible(c) and filters by. A store the request
	// names (optionally) must be one of them, else 404 as for scopeRead.
	scopeList
	// scopeBatch: a batch whose items each name a store, or an event and so
	// its store. The ingester checks every item against the principal as it
	// resolves the batch, and stores nothing when one fails: an item naming
	// a store outside the token's is refused (403, naming the item); one
	// naming an event of such a store reads as an unknown event (422).
	scopeBatch
	// scopeEstate: the route acts on the whole estate; a token limited to
	// some stores is refused (403).
	scopeEstate
)

// scope is a route's store scope, the second half of its permission.
type scope struct {
	kind scopeKind
	from *storeSource // where the request names its store; nil when it names none
}

// Scopes of the route table.
var (
	noStore    = scope{kind: scopeNone}
	estate     = scope{kind: scopeEstate}
	scopedList = scope{kind: scopeList}
	// itemStores and itemEvents are the ingest batches: items naming a
	// store, and outcomes naming an event.
	itemStores = scope{kind: scopeBatch, from: &storeSource{where: "items", field: "store"}}
	itemEvents = scope{kind: scopeBatch, from: &storeSource{where: "items", field: "event"}}
)

func readStore(from storeSource) scope  { return scope{kind: scopeRead, from: &from} }
func writeStore(from storeSource) scope { return scope{kind: scopeWrite, from: &from} }

// scopedListOr is a scoped list that the request may narrow to the one
// store it names.
func scopedListOr(from storeSource) scope { return scope{kind: scopeList, from: &from} }

// storeSource is where a request names the stores a route acts on.
type storeSource struct {
	where string // path, query, body, form, id or items
	field string // the parameter or field; for an id, the resource's noun
	codes func(s *Server, c echo.Context) ([]string, error)
}

// inPath is the store of the :code path parameter.
var inPath = storeSource{where: "path", field: "code", codes: func(_ *Server, c echo.Context) ([]string, error) {
	return []string{c.Param("code")}, nil
}}

// inQuery is the store of query parameter name; absent, it names the estate.
func inQuery(name string) storeSource {
	return storeSource{where: "query", field: name, codes: func(_ *Server, c echo.Context) ([]string, error) {
		return []string{c.QueryParam(name)}, nil
	}}
}

// inQueryList is the stores of query parameter name, separated by commas;
// absent, it names none (the handler requires it).
func inQueryList(name string) storeSource {
	return storeSource{where: "query", field: name, codes: func(_ *Server, c echo.Context) ([]string, error) {
		if v := c.QueryParam(name); v != "" {
			return strings.Split(v, ","), nil
		}
		return nil, nil
	}}
}

// inForm is the store of form field name; absent, it names the estate.
func inForm(name string) storeSource {
	return storeSource{where: "form", field: name, codes: func(_ *Server, c echo.Context) ([]string, error) {
		return []string{c.FormValue(name)}, nil
	}}
}

// inBody is the store of the JSON body's field name; absent or not a
// string, it names the estate. The body is read here and put back for the
// handler. It is decoded as the handler's struct would match the field, so
// the two cannot read different stores from one body; a body this lenient
// decode cannot read at all, the handler's strict one refuses (4xx).
func inBody(name string) storeSource {
	typ := reflect.StructOf([]reflect.StructField{{
		Name: "Store", Type: reflect.TypeFor[json.RawMessage](), Tag: reflect.StructTag(`json:"` + name + `"`)}})
	return storeSource{where: "body", field: name, codes: func(s *Server, c echo.Context) ([]string, error) {
		buf, err := s.readJSON(c)
		body := bytes.Clone(buf.Bytes())
		putBody(buf)
		if err != nil {
			return nil, err
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		v := reflect.New(typ)
		if json.Unmarshal(body, v.Interface()) != nil {
			return nil, nil
		}
		var code string
		_ = json.Unmarshal(v.Elem().Field(0).Bytes(), &code)
		return []string{code}, nil
	}}
}

// byID is the store of the resource (noun) that the :id path parameter
// names, found by resolve; a missing resource is resolve's ENOTFOUND.
func byID(noun string, resolve func(ctx context.Context, id int64) (string, error)) storeSource {
	return storeSource{where: "id", field: noun, codes: func(_ *Server, c echo.Context) ([]string, error) {
		id, err := pathID(c)
		if err != nil {
			return nil, err
		}
		code, err := resolve(c.Request().Context(), id)
		if err != nil {
			return nil, err
		}
		return []string{code}, nil
	}}
}

// byUUID is byID for a resource named by a UUID (an event).
func byUUID(noun string, resolve func(ctx context.Context, id uuid.UUID) (string, error)) storeSource {
	return storeSource{where: "id", field: noun, codes: func(_ *Server, c echo.Context) ([]string, error) {
		id, err := uuid.Parse(c.Param("id"))
		if err != nil || len(c.Param("id")) != 36 {
			return nil, ss.Errorf(ss.EINVALID, "id", "id %q is not an event id (UUID)", c.Param("id"))
		}
		code, err := resolve(c.Request().Context(), id)
		if err != nil {
			return nil, err
		}
		return []string{code}, nil
	}}
}

// String is the scope as the OpenAPI document's x-scope states it.
func (sc scope) String() string {
	name := [...]string{"none", "read store", "write store", "scoped list", "batch", "estate"}[sc.kind]
	switch {
	case sc.from == nil:
		return name
	case sc.from.where == "id":
		return name + " (" + sc.from.field + " id)"
	case sc.from.where == "items":
		return name + " (each item's " + sc.from.field + ")"
	}
	return name + " (" + sc.from.where + " " + sc.from.field + ")"
}

// visibleKey holds a scoped list's store set in the request context.
const visibleKey = "visible"

// visibleStores wraps the set, so that "every store" (nil) differs from unset.
type visibleStores struct{ codes []string }

// visible is the store set a scoped-list route filters by: the token's
// stores, or nil for every store. Only such a route's handler may call it.
func visible(c echo.Context) []string {
	v, ok := c.Get(visibleKey).(visibleStores)
	if !ok {
		panic("web: " + c.Path() + " reads visible stores but its route is not a scoped list")
	}
	return v.codes
}

// guard holds next to its route's scope; it runs after authorize, so the
// principal is known.
func (s *Server) guard(sc scope, next echo.HandlerFunc) echo.HandlerFunc {
	switch sc.kind {
	case scopeNone, scopeBatch:
		return next
	case scopeEstate:
		return func(c echo.Context) error {
			if len(principal(c).Stores) > 0 {
				return ss.Errorf(ss.EFORBIDDEN, "", "%s %s acts on the whole estate: it needs a token for every store", c.Request().Method, c.Path())
			}
			return next(c)
		}
	}
	return func(c echo.Context) error {
		p := principal(c)
		if sc.from != nil {
			codes, err := sc.from.codes(s, c)
			if err != nil {
				return err
			}
			for _, code := range codes {
				if sc.kind == scopeList && code == "" {
					continue // no store named: the list is the token's stores
				}
				if !p.CanSeeStore(code) {
					return sc.refuse(c, code)
				}
			}
		}
		if sc.kind == scopeList {
			var codes []string // nil: every store
			if len(p.Stores) > 0 {
				codes = p.Stores
			}
			c.Set(visibleKey, visibleStores{codes})
		}
		return next(c)
	}
}

// refuse is the answer to a request naming store code outside the token's.
func (sc scope) refuse(c echo.Context, code string) error {
	switch {
	case sc.from.where == "id":
		return ss.Errorf(ss.ENOTFOUND, "id", "no %s %s", sc.from.field, c.Param("id"))
	case sc.kind != scopeWrite:
		return ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", code)
	case code == "":
		return ss.Errorf(ss.EFORBIDDEN, sc.from.field, "this token is limited to some stores: %s must name one of them", sc.from.field)
	}
	return ss.Errorf(ss.EFORBIDDEN, sc.from.field, "this token may not write store %q", code)
}

// check reports a route line whose scope cannot be enforced: a public route
// names no store, and a store in the path is read from the path.
func (r route) check() error {
	switch {
	case r.Roles == nil && r.Scope.kind != scopeNone:
		return fmt.Errorf("web: public route %s %s has scope %s", r.Method, r.Path, r.Scope)
	case strings.Contains(r.Path, "/:code") && (r.Scope.from == nil || r.Scope.from.where != "path"):
		return fmt.Errorf("web: route %s %s names its store in the path but has scope %s", r.Method, r.Path, r.Scope)
	case (r.Scope.kind == scopeRead || r.Scope.kind == scopeWrite) && (r.Scope.from == nil || r.Scope.from.codes == nil):
		return fmt.Errorf("web: route %s %s has scope %s but names no store", r.Method, r.Path, r.Scope)
	}
	return nil
}
