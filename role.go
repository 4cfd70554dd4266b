package shrinkscope

// Role is what a token may do.
type Role string

// Roles.
const (
	RoleAdmin        Role = "admin"        // everything, including stores, zones and tokens
	RoleOps          Role = "ops"          // store operations: dashboards, KPIs, targets
	RolePlanner      Role = "planner"      // workforce planners: staffing plans
	RoleMerchandiser Role = "merchandiser" // layout and recommendations
	RoleIngest       Role = "ingest"       // writes facts; reads only its stores' zones (for vision)
	RoleSOC          Role = "soc"          // SOC operators: its stores' live alerts and the console, nothing else
	RoleCheckout     Role = "checkout"     // a point of sale: its stores' lane status and the outcomes it posts, nothing else
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleOps, RolePlanner, RoleMerchandiser, RoleIngest, RoleSOC, RoleCheckout}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Principal is who a request acts as: a token's role and store scope.
type Principal struct {
	TokenID int64
	Name    string
	Role    Role
	Stores  []string // store codes; empty means every store
}

// CanSeeStore reports whether the principal's scope includes store code.
func (p *Principal) CanSeeStore(code string) bool {
	if len(p.Stores) == 0 {
		return true
	}
	for _, s := range p.Stores {
		if s == code {
			return true
		}
	}
	return false
}
