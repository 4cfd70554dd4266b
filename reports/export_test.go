package reports

// OnFire has f called as s.Run starts a run, for a tick or a catch-up, and
// the func f returns called once that run has ended: a test that moves the
// clock counts the runs and waits for them before moving on. Set it before
// Run.
func OnFire(s *Scheduler, f func() (ended func())) { s.onFire = f }
