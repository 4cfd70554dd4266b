package workforce

// A small min-cost flow solver by successive shortest paths (Bellman-Ford
// on the residual graph, so costs may be any integers as long as the
// starting graph has no negative cycle). The graphs here have at most a few
// dozen nodes: one per hour boundary of an opening span.
//
// Source: R. K. Ahuja, T. L. Magnanti, J. B. Orlin, "Network Flows" (1993),
// §9.7 (successive shortest path algorithm).

const inf = int64(1) << 50

type arc struct {
	to   int
	cap  int64 // residual capacity
	cost int64
}

type flowGraph struct {
	n    int
	arcs []arc // arcs[i^1] is the reverse of arcs[i]
	adj  [][]int
}

// newFlowGraph makes a graph of n nodes with room for about arcs arcs, so
// building it does not regrow its slices (the price sweep builds thousands).
func newFlowGraph(n, arcs int) *flowGraph {
	return &flowGraph{n: n, adj: make([][]int, n), arcs: make([]arc, 0, 2*arcs)}
}

// add adds an arc from a to b and returns its index (its flow is the
// residual capacity of index^1).
func (g *flowGraph) add(a, b int, capacity, cost int64) int {
	i := len(g.arcs)
	g.arcs = append(g.arcs, arc{b, capacity, cost}, arc{a, 0, -cost})
	g.adj[a] = append(g.adj[a], i)
	g.adj[b] = append(g.adj[b], i+1)
	return i
}

func (g *flowGraph) flow(i int) int64 { return g.arcs[i^1].cap }

// minCost sends as much flow as it can from s to t at least cost and returns
// the flow and its cost.
func (g *flowGraph) minCost(s, t int) (flow, cost int64) {
	dist := make([]int64, g.n)
	via := make([]int, g.n)
	inQueue := make([]bool, g.n)
	queue := make([]int, 0, g.n)
	for {
		for i := range dist {
			dist[i], via[i] = inf, -1
		}
		dist[s] = 0
		queue = append(queue[:0], s)
		inQueue[s] = true
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			inQueue[u] = false
			for _, i := range g.adj[u] {
				a := g.arcs[i]
				if a.cap > 0 && dist[u]+a.cost < dist[a.to] {
					dist[a.to] = dist[u] + a.cost
					via[a.to] = i
					if !inQueue[a.to] {
						inQueue[a.to] = true
						queue = append(queue, a.to)
					}
				}
			}
		}
		if dist[t] == inf {
			return flow, cost
		}
		push := inf
		for v := t; v != s; v = g.arcs[via[v]^1].to {
			push = min(push, g.arcs[via[v]].cap)
		}
		for v := t; v != s; v = g.arcs[via[v]^1].to {
			g.arcs[via[v]].cap -= push
			g.arcs[via[v]^1].cap += push
		}
		flow += push
		cost += push * dist[t]
	}
}
