package stats

import (
	"errors"
	"fmt"
	"math"
)

// PoissonFit is a Poisson log-linear model fitted by maximum likelihood.
type PoissonFit struct {
	Coef []float64 // β, one per column of the design
	// SE are the model-based standard errors, sqrt(diag((XᵀWX)⁻¹)), which
	// assume the Poisson variance (dispersion 1).
	SE []float64
	// Dispersion is the quasi-Poisson scale φ = Pearson χ² / (n − p)
	// (McCullagh & Nelder, Generalized Linear Models, 2nd ed., §6.2); NaN
	// when n = p.
	Dispersion  float64
	PearsonChi2 float64
	Deviance    float64
	DF          int // residual degrees of freedom, n − p
	Iterations  int
	Cov         [][]float64 // (XᵀWX)⁻¹ at the optimum
}

// QuasiSE returns the quasi-Poisson standard error of coefficient j,
// SE_j · sqrt(φ); the model-based SE_j when φ is undefined (n = p).
func (f *PoissonFit) QuasiSE(j int) float64 {
	if math.IsNaN(f.Dispersion) {
		return f.SE[j]
	}
	return f.SE[j] * math.Sqrt(f.Dispersion)
}

// ErrNotConverged says the IRLS iterations did not settle, usually because
// a cell of the design holds no counts at all and its coefficient runs to
// minus infinity.
var ErrNotConverged = errors.New("stats: Poisson fit did not converge")

// FitPoisson fits log E[y_i] = offset_i + x_i·β by iteratively reweighted
// least squares (Nelder & Wedderburn 1972; McCullagh & Nelder §2.5): with
// η = Xβ + offset and μ = exp η, each step solves (XᵀWX) β = XᵀW z for the
// working response z = η − offset + (y − μ)/μ and weights W = diag(μ). The
// canonical log link makes this Newton's method on the log-likelihood.
// x holds one row per observation; offset may be nil.
func FitPoisson(x [][]float64, y, offset []float64) (*PoissonFit, error) {
	n := len(y)
	if n == 0 || len(x) != n || (offset != nil && len(offset) != n) {
		return nil, fmt.Errorf("stats: Poisson fit needs matching x, y and offset, got %d, %d, %d", len(x), n, len(offset))
	}
	p := len(x[0])
	if n < p {
		return nil, fmt.Errorf("stats: Poisson fit of %d coefficients needs at least as many observations, got %d", p, n)
	}
	off := func(i int) float64 {
		if offset == nil {
			return 0
		}
		return offset[i]
	}
	// Start from μ = y + ½ (McCullagh & Nelder §2.5.1), which avoids log 0.
	mu := make([]float64, n)
	eta := make([]float64, n)
	for i := range y {
		if y[i] < 0 {
			return nil, fmt.Errorf("stats: Poisson counts must be non-negative, got %v", y[i])
		}
		mu[i] = y[i] + 0.5
		eta[i] = math.Log(mu[i])
	}
	beta := make([]float64, p)
	xtwx := newMatrix(p)
	xtwz := make([]float64, p)
	devOld := math.Inf(1)
	var cov [][]float64
	fit := &PoissonFit{}
	for it := 1; it <= 50; it++ {
		for a := range p {
			xtwz[a] = 0
			for b := range p {
				xtwx[a][b] = 0
			}
		}
		for i := range n {
			w := mu[i]
			z := eta[i] - off(i) + (y[i]-mu[i])/mu[i]
			xi := x[i]
			for a := range p {
				wa := w * xi[a]
				xtwz[a] += wa * z
				for b := 0; b <= a; b++ {
					xtwx[a][b] += wa * xi[b]
				}
			}
		}
		for a := range p {
			for b := 0; b < a; b++ {
				xtwx[b][a] = xtwx[a][b]
			}
		}
		var err error
		cov, err = invertSPD(xtwx)
		if err != nil {
			return nil, err
		}
		for a := range p {
			beta[a] = 0
			for b := range p {
				beta[a] += cov[a][b] * xtwz[b]
			}
		}
		dev := 0.0
		for i := range n {
			eta[i] = off(i)
			for a := range p {
				eta[i] += x[i][a] * beta[a]
			}
			mu[i] = math.Exp(eta[i])
			dev += devianceTerm(y[i], mu[i])
		}
		fit.Iterations = it
		if math.IsNaN(dev) || math.IsInf(dev, 0) {
			return nil, ErrNotConverged
		}
		// Converged when the deviance changes by less than 1e-12 relative
		// (R's glm.control uses 1e-8; tighter costs an iteration or two).
		if math.Abs(dev-devOld) <= 1e-12*(math.Abs(dev)+0.1) {
			fit.Deviance = dev
			break
		}
		devOld = dev
		if it == 50 {
			return nil, ErrNotConverged
		}
	}
	// The covariance at the optimum uses the final weights.
	for a := range p {
		for b := range p {
			xtwx[a][b] = 0
		}
	}
	var chi2 float64
	for i := range n {
		for a := range p {
			for b := range p {
				xtwx[a][b] += mu[i] * x[i][a] * x[i][b]
			}
		}
		r := y[i] - mu[i]
		chi2 += r * r / mu[i]
	}
	cov, err := invertSPD(xtwx)
	if err != nil {
		return nil, err
	}
	fit.Coef = beta
	fit.Cov = cov
	fit.SE = make([]float64, p)
	for a := range p {
		fit.SE[a] = math.Sqrt(cov[a][a])
		// The likelihood keeps rising as a coefficient runs to −∞ (a cell
		// without counts); the deviance flattens, so the loop "converges"
		// on a huge standard error instead (e^−20 is no rate of events).
		if fit.SE[a] > 1e3 || math.Abs(beta[a]) > 50 {
			return nil, ErrNotConverged
		}
	}
	fit.PearsonChi2 = chi2
	fit.DF = n - p
	fit.Dispersion = math.NaN()
	if fit.DF > 0 {
		fit.Dispersion = chi2 / float64(fit.DF)
	}
	return fit, nil
}

// devianceTerm is one observation's Poisson deviance 2(y log(y/μ) − (y − μ)).
func devianceTerm(y, mu float64) float64 {
	if y == 0 {
		return 2 * mu
	}
	return 2 * (y*math.Log(y/mu) - (y - mu))
}

func newMatrix(p int) [][]float64 {
	m := make([][]float64, p)
	for i := range m {
		m[i] = make([]float64, p)
	}
	return m
}

// invertSPD inverts a symmetric positive-definite matrix by Cholesky
// factorisation A = LLᵀ, then A⁻¹ = L⁻ᵀL⁻¹.
func invertSPD(a [][]float64) ([][]float64, error) {
	p := len(a)
	l := newMatrix(p)
	for i := range p {
		for j := 0; j <= i; j++ {
			s := a[i][j]
			for k := range j {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				if !(s > 1e-12*math.Abs(a[i][i])) {
					return nil, errors.New("stats: the design is singular (a column is constant zero or repeats another)")
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	// inv = L⁻¹ (lower triangular), by forward substitution column by column.
	li := newMatrix(p)
	for j := range p {
		li[j][j] = 1 / l[j][j]
		for i := j + 1; i < p; i++ {
			var s float64
			for k := j; k < i; k++ {
				s -= l[i][k] * li[k][j]
			}
			li[i][j] = s / l[i][i]
		}
	}
	out := newMatrix(p)
	for i := range p {
		for j := 0; j <= i; j++ {
			var s float64
			for k := i; k < p; k++ {
				s += li[k][i] * li[k][j]
			}
			out[i][j], out[j][i] = s, s
		}
	}
	return out, nil
}
