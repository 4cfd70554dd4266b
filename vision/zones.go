package vision

import (
	"math"
	"sort"

	ss "github.com/shrinkscope/shrinkscope"
)

// ZoneIndex finds the zone containing a floor point. Zones are bucketed in a
// uniform grid over their bounding box, so a lookup tests only the few
// polygons overlapping the point's cell; where zones overlap, the smaller one
// wins (a promo table inside an aisle is the promo table).
type ZoneIndex struct {
	zones          []ss.Zone
	x0, y0, cw, ch float64
	nx, ny         int
	cells          [][]int32 // zone indices whose polygon may meet the cell, smallest first
	full           []int32   // per cell: the zone holding all of it, or -1
}

const indexCells = 64

// NewZoneIndex prepares zones for lookup.
func NewZoneIndex(zones []ss.Zone) *ZoneIndex {
	zs := append([]ss.Zone(nil), zones...)
	sort.SliceStable(zs, func(i, j int) bool {
		return math.Abs(ss.RingArea(zs[i].Polygon)) < math.Abs(ss.RingArea(zs[j].Polygon))
	})
	ix := &ZoneIndex{zones: zs}
	if len(zs) == 0 {
		return ix
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, z := range zs {
		for _, p := range z.Polygon {
			minX, minY = math.Min(minX, p[0]), math.Min(minY, p[1])
			maxX, maxY = math.Max(maxX, p[0]), math.Max(maxY, p[1])
		}
	}
	ix.x0, ix.y0, ix.nx, ix.ny = minX, minY, indexCells, indexCells
	ix.cw = math.Max((maxX-minX)/indexCells, 1e-9)
	ix.ch = math.Max((maxY-minY)/indexCells, 1e-9)
	ix.cells = make([][]int32, ix.nx*ix.ny)
	for zi, z := range zs {
		bx0, by0, bx1, by1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range z.Polygon {
			bx0, by0 = math.Min(bx0, p[0]), math.Min(by0, p[1])
			bx1, by1 = math.Max(bx1, p[0]), math.Max(by1, p[1])
		}
		cx0, cy0 := ix.cell(bx0, by0)
		cx1, cy1 := ix.cell(bx1, by1)
		for cy := cy0; cy <= cy1; cy++ {
			for cx := cx0; cx <= cx1; cx++ {
				ix.cells[cy*ix.nx+cx] = append(ix.cells[cy*ix.nx+cx], int32(zi))
			}
		}
	}
	// A cell whose first (smallest) candidate covers it whole needs no test.
	ix.full = make([]int32, len(ix.cells))
	for c := range ix.cells {
		ix.full[c] = -1
		if len(ix.cells[c]) == 0 {
			continue
		}
		x0, y0 := ix.x0+float64(c%ix.nx)*ix.cw, ix.y0+float64(c/ix.nx)*ix.ch
		if zi := ix.cells[c][0]; covers(zs[zi].Polygon, x0, y0, x0+ix.cw, y0+ix.ch) {
			ix.full[c] = zi
		}
	}
	return ix
}

// covers reports whether the ring holds the whole rectangle: its corners
// are inside and no edge of the ring reaches into it or touches its sides.
func covers(ring []ss.Point, x0, y0, x1, y1 float64) bool {
	corners := [4]ss.Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
	for _, c := range corners {
		if !inRing(ring, c[0], c[1]) {
			return false
		}
	}
	for i := 0; i+1 < len(ring); i++ {
		a, b := ring[i], ring[i+1]
		if a[0] >= x0 && a[0] <= x1 && a[1] >= y0 && a[1] <= y1 {
			return false
		}
		for k := 0; k < 4; k++ {
			if segmentsMeet(a, b, corners[k], corners[(k+1)%4]) {
				return false
			}
		}
	}
	return true
}

// segmentsMeet reports whether segments ab and cd share a point, touching
// included (orientation tests, Cormen et al., Introduction to Algorithms §33.1).
func segmentsMeet(a, b, c, d ss.Point) bool {
	orient := func(p, q, r ss.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	on := func(p, q, r ss.Point) bool {
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) && math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	d1, d2, d3, d4 := orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && on(c, d, a)) || (d2 == 0 && on(c, d, b)) || (d3 == 0 && on(a, b, c)) || (d4 == 0 && on(a, b, d))
}

func (ix *ZoneIndex) cell(x, y float64) (int, int) {
	cx := int((x - ix.x0) / ix.cw)
	cy := int((y - ix.y0) / ix.ch)
	return min(max(cx, 0), ix.nx-1), min(max(cy, 0), ix.ny-1)
}

// Zones returns the indexed zones, smallest first.
func (ix *ZoneIndex) Zones() []ss.Zone { return ix.zones }

// Lookup returns the zone containing (x, y), or nil.
func (ix *ZoneIndex) Lookup(x, y float64) *ss.Zone {
	if len(ix.zones) == 0 || math.IsNaN(x) || math.IsNaN(y) {
		return nil
	}
	fx, fy := (x-ix.x0)/ix.cw, (y-ix.y0)/ix.ch
	if fx < 0 || fy < 0 || fx >= float64(ix.nx)+1e-9 || fy >= float64(ix.ny)+1e-9 {
		return nil
	}
	c := min(int(fy), ix.ny-1)*ix.nx + min(int(fx), ix.nx-1)
	if zi := ix.full[c]; zi >= 0 {
		return &ix.zones[zi]
	}
	for _, zi := range ix.cells[c] {
		if inRing(ix.zones[zi].Polygon, x, y) {
			return &ix.zones[zi]
		}
	}
	return nil
}

// inRing is the even-odd crossing test (W. Randolph Franklin, PNPOLY) on a
// closed ring.
func inRing(ring []ss.Point, x, y float64) bool {
	in := false
	for i, j := 0, len(ring)-2; i < len(ring)-1; j, i = i, i+1 {
		xi, yi, xj, yj := ring[i][0], ring[i][1], ring[j][0], ring[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}
