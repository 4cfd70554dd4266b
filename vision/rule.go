package vision

import "time"

// RuleConfig is the concealment rule: an event when a track's concealment
// score reaches Threshold in at least K of its last N frames, then silence
// for Cooldown so one act yields one event.
type RuleConfig struct {
	Threshold float64
	K, N      int
	Cooldown  time.Duration
}

// RuleState is one track's recent concealment scores.
type RuleState struct {
	scores  []float64 // ring of the last N frames' best concealment score
	classes []int
	next    int
	last    time.Time // time of the last event; zero for none
}

// Firing is what the rule returns when a track becomes an event.
type Firing struct {
	Peak  float64 // the highest score of the passing frames
	Class int     // the class of the peak
}

// Observe adds one frame of a track — its highest concealment score and
// that score's class — and reports whether the rule fires at time at.
func (r RuleConfig) Observe(st *RuleState, at time.Time, score float64, class int) (Firing, bool) {
	if st.scores == nil {
		st.scores, st.classes = make([]float64, r.N), make([]int, r.N)
	}
	st.scores[st.next], st.classes[st.next] = score, class
	st.next = (st.next + 1) % r.N
	if !st.last.IsZero() && at.Sub(st.last) < r.Cooldown {
		return Firing{}, false
	}
	var f Firing
	hits := 0
	for i := range st.scores {
		if st.scores[i] >= r.Threshold {
			hits++
			if st.scores[i] > f.Peak {
				f.Peak, f.Class = st.scores[i], st.classes[i]
			}
		}
	}
	if hits < r.K {
		return Firing{}, false
	}
	st.last = at
	// Frames that fired are spent: after the cooldown a new act needs K new frames.
	for i := range st.scores {
		st.scores[i] = 0
	}
	return f, true
}

// BestConceal is the highest concealment score of a person and its class,
// over the classes that map to a method.
func BestConceal(p Person, methods map[int]bool) (float64, int) {
	best, class := 0.0, -1
	for c, s := range p.Conceal {
		if methods[c] && s > best {
			best, class = s, c
		}
	}
	return best, class
}
