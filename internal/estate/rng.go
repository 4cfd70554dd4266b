package estate

import (
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/google/uuid"
)

// Independent random streams per store: the store's shape (New) and its
// facts (Stream) never share draws, so changing one does not shift the other.
const (
	streamShape uint64 = 0x5348_4150_45 // "SHAPE"
	streamFacts uint64 = 0x4641_4354_53 // "FACTS"
)

// splitmix64 is a strong 64-bit mixer used to derive PCG seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// rng is a PCG generator with the few draws the generator needs. The hot
// paths call the PCG directly to avoid the interface call of rand.Rand.
type rng struct {
	pcg rand.PCG
	r   *rand.Rand
}

func newRNG(seed int64, store int, stream uint64) *rng {
	g := &rng{}
	a := splitmix64(uint64(seed) ^ splitmix64(stream))
	b := splitmix64(uint64(store) + 0x632be59bd9b4e019*splitmix64(a))
	g.pcg.Seed(a, b)
	g.r = rand.New(&g.pcg)
	return g
}

func (g *rng) u64() uint64 { return g.pcg.Uint64() }

// float returns a uniform float64 in [0, 1).
func (g *rng) float() float64 { return float64(g.pcg.Uint64()>>11) * 0x1p-53 }

// intn returns a uniform int in [0, n), n > 0 (multiply-shift; bias < n/2^64).
func (g *rng) intn(n int) int {
	hi, _ := bits.Mul64(g.pcg.Uint64(), uint64(n))
	return int(hi)
}

// between returns a uniform float64 in [lo, hi).
func (g *rng) between(lo, hi float64) float64 { return lo + (hi-lo)*g.float() }

// lognormal returns exp(sigma·N(0,1)), a multiplicative noise with median 1.
func (g *rng) lognormal(sigma float64) float64 { return math.Exp(sigma * g.r.NormFloat64()) }

// pick returns an index drawn with probability proportional to w.
func (g *rng) pick(w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	u := g.float() * sum
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

// poisson draws from Poisson(mu): inversion for small means, Hörmann's
// PTRS transformed rejection (as in NumPy) for large ones. Both are exact.
func (g *rng) poisson(mu float64) int64 {
	switch {
	case !(mu > 0):
		return 0
	case mu < 12:
		u := g.float()
		p := math.Exp(-mu)
		s := p
		var k int64
		for u > s && k < 200 {
			k++
			p *= mu / float64(k)
			s += p
		}
		return k
	}
	slam := math.Sqrt(mu)
	loglam := math.Log(mu)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := g.float() - 0.5
		v := g.float()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + mu + 0.43)
		if us >= 0.07 && v <= vr {
			return int64(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <= -mu+k*loglam-lg {
			return int64(k)
		}
	}
}

// uuid7 builds a UUIDv7 (RFC 9562): 48-bit big-endian unix milliseconds,
// version 7, variant 10, the other 74 bits from the generator.
func (g *rng) uuid7(ms int64) uuid.UUID {
	var id uuid.UUID
	hi, lo := g.u64(), g.u64()
	for i := 0; i < 6; i++ {
		id[i] = byte(uint64(ms) >> (40 - 8*i))
	}
	id[6] = 0x70 | byte(hi>>60)
	id[7] = byte(hi >> 52)
	id[8] = 0x80 | byte(lo>>58)
	for i := 9; i < 16; i++ {
		id[i] = byte(lo >> (8 * (15 - i)))
	}
	return id
}
