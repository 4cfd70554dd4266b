package web

import ss "github.com/shrinkscope/shrinkscope"

// RouteScope is a line of the route table as the permission matrix test
// (package web_test) reads it.
type RouteScope struct {
	Method, Path string
	Roles        []ss.Role // nil: public
	Kind         string    // none, read, write, list, batch or estate
	Where, Field string    // where the request names its store; "" where it names none
}

// RouteScopes lists the route table's permissions.
func RouteScopes() []RouteScope {
	kinds := [...]string{"none", "read", "write", "list", "batch", "estate"}
	var out []RouteScope
	for _, r := range (&Server{}).routes() {
		rs := RouteScope{Method: r.Method, Path: r.Path, Roles: r.Roles, Kind: kinds[r.Scope.kind]}
		if f := r.Scope.from; f != nil {
			rs.Where, rs.Field = f.where, f.field
		}
		out = append(out, rs)
	}
	return out
}

// HoldSolves takes n of the server's solve slots, as n solves running
// would, until release is called.
func (s *Server) HoldSolves(n int) (release func()) {
	for range n {
		s.solves <- struct{}{}
	}
	return func() {
		for range n {
			<-s.solves
		}
	}
}
