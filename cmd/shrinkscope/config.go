package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/term"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/internal/db"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/migrations"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/segments"
	"github.com/shrinkscope/shrinkscope/web"
)

// Config is every setting of the binary. Each field is a flag and an
// environment variable; the flag wins. Defaults are in setting().
type Config struct {
	// DatabaseURL (DATABASE_URL) is the PostgreSQL URL; empty finds or starts a local one.
	DatabaseURL string
	// given says which settings came from a flag or the environment, by flag name.
	given map[string]bool
	// tokenHint is the command the sign-in page names for a token (the demo's).
	tokenHint string
	// Demo (SHRINKSCOPE_DEMO) opens the demo's database, shrinkscope_demo on
	// the same server, as `shrinkscope demo` made it.
	Demo bool
	// StateDir (SHRINKSCOPE_STATE_DIR) holds an embedded database's data.
	StateDir string
	// DBMaxConns (SHRINKSCOPE_DB_MAX_CONNS) is the connection pool size.
	DBMaxConns int
	// Addr (SHRINKSCOPE_ADDR) is where serve listens.
	Addr string
	// MetricsAddr (SHRINKSCOPE_METRICS_ADDR), when set, is a listener of its
	// own serving /metrics without a token (for a monitoring network);
	// default empty: /metrics only on Addr, to admin tokens.
	MetricsAddr string
	// LogLevel (SHRINKSCOPE_LOG_LEVEL) is debug, info, warn or error.
	LogLevel string
	// LogFormat (SHRINKSCOPE_LOG_FORMAT) is json, text or auto (text on a terminal).
	LogFormat string
	// MaxBodyBytes (SHRINKSCOPE_MAX_BODY_BYTES) caps a request body.
	MaxBodyBytes int64
	// MaxBatch (SHRINKSCOPE_MAX_BATCH) caps the items of one ingest batch.
	MaxBatch int
	// MaxSolves (SHRINKSCOPE_MAX_SOLVES) caps the staffing solves running at once; 0 is one per core.
	MaxSolves int
	// ShutdownTimeout (SHRINKSCOPE_SHUTDOWN_TIMEOUT) bounds draining in-flight requests.
	ShutdownTimeout time.Duration
	// Migrate (SHRINKSCOPE_MIGRATE) applies pending migrations when serve starts.
	Migrate bool
	// RollupInterval (SHRINKSCOPE_ROLLUP_INTERVAL) is how often KPI rollups catch up with ingest.
	RollupInterval time.Duration
	// MinReviews (SHRINKSCOPE_MIN_REVIEWS) is the reviews a store needs in a period before its
	// own false share discounts its open events in est_loss; default kpi.DefaultMinReviews.
	MinReviews int
	// Segments (SHRINKSCOPE_SEGMENT_WEIGHTS, SHRINKSCOPE_SEGMENT_COSTS and the
	// SHRINKSCOPE_SEGMENT_* of segmentSettings) configures store segmentation.
	Segments segments.Config
	// Schedules (SHRINKSCOPE_SCHEDULE_<JOB>) are the jobs' cron schedules, in UTC, by job name.
	Schedules map[string]string
	// RetentionMonths (SHRINKSCOPE_RETENTION_MONTHS) is how long raw events are kept; rollups stay.
	RetentionMonths int
	// LayoutQuietDays (SHRINKSCOPE_LAYOUT_QUIET_DAYS) is how long a rejected
	// recommendation stays quiet.
	LayoutQuietDays int
	// FindingsFDR (SHRINKSCOPE_FINDINGS_FDR) is the findings' false discovery rate.
	FindingsFDR float64
	// FindingsFDRScope (SHRINKSCOPE_FINDINGS_FDR_SCOPE) is what that rate bounds: findings.ScopeEstate
	// (default: the estate's findings of a week together) or findings.ScopeStore (each store's).
	FindingsFDRScope string
	// JobRetries (SHRINKSCOPE_JOB_RETRIES) is how often a failed job is retried.
	JobRetries int
	// JobBackoff (SHRINKSCOPE_JOB_BACKOFF) is the wait before a job's first retry, doubling after.
	JobBackoff time.Duration
	// WebhookAllow (SHRINKSCOPE_WEBHOOK_ALLOW) lists the host names and networks webhooks may
	// reach beyond public addresses; default none (webhooks reach public addresses only).
	WebhookAllow reports.Allow
	// SessionTTL (SHRINKSCOPE_SESSION_TTL) is how long a browser session lasts from sign-in.
	SessionTTL time.Duration
	// SessionIdle (SHRINKSCOPE_SESSION_IDLE) ends a browser session unused this long; 0: never.
	SessionIdle time.Duration
	// RateLimits (SHRINKSCOPE_RATE_LIMIT) are the request limits per token by role, per replica.
	RateLimits map[ss.Role]web.Rate
	// ReadConcurrency (SHRINKSCOPE_READ_CONCURRENCY) is how many reads run at once; 0: half the pool; -1: no limit.
	ReadConcurrency int
	// ReadWait (SHRINKSCOPE_READ_WAIT) is how long a read waits for its turn before 503.
	ReadWait time.Duration
	// TokenCacheTTL (SHRINKSCOPE_TOKEN_CACHE_TTL) is how long a token found live is trusted; 0: no cache.
	TokenCacheTTL time.Duration
	// ReportingCurrency (SHRINKSCOPE_REPORTING_CURRENCY) is the ISO 4217 currency of estate and
	// region figures, converted with the exchange-rate table; default GBP.
	ReportingCurrency ss.Currency
	// DefaultCurrency (SHRINKSCOPE_DEFAULT_CURRENCY) is given to stores made before stores had a
	// currency, when the schema is migrated; default: the reporting currency.
	DefaultCurrency ss.Currency
	// StaffingHourlyCosts (SHRINKSCOPE_STAFFING_HOURLY_COST) is the default hourly cost of a
	// staffing policy by currency; default none (15 in the reporting currency, converted).
	StaffingHourlyCosts map[ss.Currency]float64
	// DBIngestConns (SHRINKSCOPE_DB_INGEST_CONNS) sizes the pool of ingest and token lookups; 0: the main pool.
	DBIngestConns int
	// BodyGrace (SHRINKSCOPE_BODY_GRACE) is how long a request body may take
	// before BodyMinRate applies; default 10s.
	BodyGrace time.Duration
	// BodyMinRate (SHRINKSCOPE_BODY_MIN_RATE) is the average bytes a second a
	// body must keep after BodyGrace, or it is cut with 408; default 1024.
	BodyMinRate int64
	alertConfig
	checkoutConfig
	poolConfig
	replicaConfig
}

// setting is one line of the configuration table, printed by --help.
type setting struct {
	flag, env, def, help string
	set                  func(string) error
}

func settings(c *Config, getenv func(string) string) []setting {
	str := func(p *string) func(string) error { return func(v string) error { *p = v; return nil } }
	num := func(p *int) func(string) error {
		return func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("want a non-negative integer, got %q", v)
			}
			*p = n
			return nil
		}
	}
	return []setting{
		{"database-url", "DATABASE_URL", "", "PostgreSQL URL; empty: use PostgreSQL on the local socket or localhost:5432 (database shrinkscope), else start an embedded one", str(&c.DatabaseURL)},
		{"demo", "SHRINKSCOPE_DEMO", "false", "use the demo's database (" + demoDatabase + " on the same server, as `shrinkscope demo` made it), e.g. to create a token for the demo", func(v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("want true or false, got %q", v)
			}
			c.Demo = b
			return nil
		}},
		{"reporting-currency", "SHRINKSCOPE_REPORTING_CURRENCY", "GBP", "ISO 4217 currency of estate, region and other multi-store money figures: each store-day converted at that day's rate (PUT /api/v1/fx-rates)", func(v string) error {
			if err := ss.CheckCurrency("reporting-currency", ss.Currency(v)); err != nil {
				return fmt.Errorf("want an active ISO 4217 code such as GBP, EUR or USD, got %q", v)
			}
			c.ReportingCurrency = ss.Currency(v)
			return nil
		}},
		{"staffing-hourly-cost", "SHRINKSCOPE_STAFFING_HOURLY_COST", "", "default hourly cost of a store's staffing policy by currency, in that currency, e.g. GBP=15,USD=21,JPY=2200; a currency left out takes 15 in the reporting currency converted at its latest rate (15 as it is without one)", func(v string) error {
			c.StaffingHourlyCosts = nil
			for _, part := range splitList(v) {
				cur, n, ok := strings.Cut(part, "=")
				f, err := strconv.ParseFloat(n, 64)
				if !ok || !ss.Currency(cur).Valid() || err != nil || !(f >= 0 && f <= 1e6) || !ss.Currency(cur).InMinorUnits(f) {
					return fmt.Errorf("want CUR=cost pairs (an ISO 4217 code, a cost of 0 to 1000000 in its minor units), got %q", part)
				}
				if c.StaffingHourlyCosts == nil {
					c.StaffingHourlyCosts = map[ss.Currency]float64{}
				}
				c.StaffingHourlyCosts[ss.Currency(cur)] = f
			}
			return nil
		}},
		{"default-currency", "SHRINKSCOPE_DEFAULT_CURRENCY", "", "ISO 4217 currency given to stores that had none (made before stores had a currency) when the schema is migrated; empty: the reporting currency", func(v string) error {
			if v == "" {
				c.DefaultCurrency = ""
				return nil
			}
			if err := ss.CheckCurrency("default-currency", ss.Currency(v)); err != nil {
				return fmt.Errorf("want an active ISO 4217 code such as GBP, EUR or USD, got %q", v)
			}
			c.DefaultCurrency = ss.Currency(v)
			return nil
		}},
		{"state-dir", "SHRINKSCOPE_STATE_DIR", db.StateDir(getenv), "folder for the embedded database's data and log", str(&c.StateDir)},
		{"db-max-conns", "SHRINKSCOPE_DB_MAX_CONNS", "8", "database connection pool size", num(&c.DBMaxConns)},
		{"addr", "SHRINKSCOPE_ADDR", ":8080", "listen address of serve", str(&c.Addr)},
		{"metrics-addr", "SHRINKSCOPE_METRICS_ADDR", "", "a second listen address serving /metrics without a token (bind it where only monitoring reaches); empty: /metrics on --addr needs an admin token", str(&c.MetricsAddr)},
		{"log-level", "SHRINKSCOPE_LOG_LEVEL", "info", "debug, info, warn or error", func(v string) error {
			switch v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return fmt.Errorf("want debug, info, warn or error, got %q", v)
		}},
		{"log-format", "SHRINKSCOPE_LOG_FORMAT", "auto", "json, text, or auto (text on a terminal, else json)", func(v string) error {
			switch v {
			case "json", "text", "auto":
				c.LogFormat = v
				return nil
			}
			return fmt.Errorf("want json, text or auto, got %q", v)
		}},
		{"max-body-bytes", "SHRINKSCOPE_MAX_BODY_BYTES", "33554432", "largest request body accepted (bytes); larger gets 413", func(v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1024 {
				return fmt.Errorf("want a byte count of at least 1024, got %q", v)
			}
			c.MaxBodyBytes = n
			return nil
		}},
		{"max-batch", "SHRINKSCOPE_MAX_BATCH", "10000", "most items in one ingest batch; more gets 413", num(&c.MaxBatch)},
		{"max-solves", "SHRINKSCOPE_MAX_SOLVES", "0", "most staffing solves (what-ifs, plan builds) at once; more get 503 with Retry-After; 0: one per core", num(&c.MaxSolves)},
		{"shutdown-timeout", "SHRINKSCOPE_SHUTDOWN_TIMEOUT", "30s", "how long in-flight requests may finish after SIGTERM", func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("want a positive duration such as 30s, got %q", v)
			}
			c.ShutdownTimeout = d
			return nil
		}},
		{"rollup-interval", "SHRINKSCOPE_ROLLUP_INTERVAL", "2s", "how often KPI rollups catch up with ingested facts", func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 100*time.Millisecond {
				return fmt.Errorf("want a duration of at least 100ms, got %q", v)
			}
			c.RollupInterval = d
			return nil
		}},
		{"min-reviews", "SHRINKSCOPE_MIN_REVIEWS", strconv.Itoa(kpi.DefaultMinReviews), "reviews a store needs in a period before its own false share discounts its unreviewed events in est_loss (else its region's, else the estate's)", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1_000_000 {
				return fmt.Errorf("want a whole number from 1 to 1000000, got %q", v)
			}
			c.MinReviews = n
			return nil
		}},
		{"segment-weights", "SHRINKSCOPE_SEGMENT_WEIGHTS", "", "risk-index weights, e.g. rate=0.35,loss=0.25,theft=0.15,urban=0.1,footfall=0.1,staffing=-0.05; empty: those defaults", func(v string) error {
			if v == "" {
				return nil
			}
			m, err := keyValues(v, "rate", "loss", "theft", "urban", "footfall", "staffing")
			if err != nil {
				return err
			}
			c.Segments.Weights = segments.Weights{Rate: m["rate"], LossPerVisitor: m["loss"], Theft: m["theft"], Urban: m["urban"], Footfall: m["footfall"], Staffing: m["staffing"]}
			return nil
		}},
		{"segment-costs", "SHRINKSCOPE_SEGMENT_COSTS", "", "yearly technology cost per store of each operating model (SOC operators and floor time are priced separately), e.g. soc=12000,checkout=25000,detection=6000; empty: those defaults", func(v string) error {
			if v == "" {
				return nil
			}
			m, err := keyValues(v, "soc", "checkout", "detection")
			if err != nil {
				return err
			}
			c.Segments.Costs = segments.ModelCosts{SOC: m["soc"], Checkout: m["checkout"], Detection: m["detection"]}
			return nil // checkSegments checks the ranges
		}},
		schedule(c, "rollups", "* * * * *", "rollup catch-up (the fast ticker of --rollup-interval runs too)"),
		schedule(c, "reports", "30 12 * * 1", "weekly report snapshots of the week just ended (Monday 12:30 UTC: it has ended in every time zone, and the findings that open each report are in)"),
		schedule(c, "findings", "0 12 * * 1", "weekly findings of the week just ended: what changed beyond chance, per store × zone, zone × block of the week and method"),
		schedule(c, "segments", "0 4 * * *", "daily store segmentation"),
		schedule(c, "retention", "0 3 * * *", "daily purge of raw events older than --retention-months (rollups kept)"),
		schedule(c, "staffing-plans", "0 13 * * 1", "weekly staffing plans"),
		schedule(c, "recommendations", "0 14 * * 1", "weekly refresh of layout recommendations"),
		schedule(c, "evaluations", "30 4 * * *", "daily evaluations of layout changes whose after window has completed"),
		{"findings-fdr", "SHRINKSCOPE_FINDINGS_FDR", "0.10", "false discovery rate of the weekly findings (Benjamini–Hochberg, then Benjamini–Bogomolov for the blocks of found zones) over the series of --findings-fdr-scope", func(v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || !(f > 0 && f < 1) {
				return fmt.Errorf("want a rate between 0 and 1 exclusive, got %q", v)
			}
			c.FindingsFDR = f
			return nil
		}},
		{"findings-fdr-scope", "SHRINKSCOPE_FINDINGS_FDR_SCOPE", findings.ScopeEstate, "what --findings-fdr bounds: estate (one correction over every store's series: about that share of weeks have any false finding anywhere in the estate) or store (the correction within each store: about that share of each store's weeks, so about rate × stores false findings a week across the estate)", func(v string) error {
			s, err := findings.ParseScope(v)
			if err != nil {
				return err
			}
			c.FindingsFDRScope = s
			return nil
		}},
		{"layout-quiet-days", "SHRINKSCOPE_LAYOUT_QUIET_DAYS", "90", "days a rejected layout recommendation is not proposed again (the same kind on the same zones)", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 365 {
				return fmt.Errorf("want a whole number of days from 1 to 365, got %q", v)
			}
			c.LayoutQuietDays = n
			return nil
		}},
		{"retention-months", "SHRINKSCOPE_RETENTION_MONTHS", "13", "months of raw events kept; older ones are purged, their rollups kept", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("want a whole number of months of at least 1, got %q", v)
			}
			c.RetentionMonths = n
			return nil
		}},
		{"job-retries", "SHRINKSCOPE_JOB_RETRIES", "3", "retries of a failed job run", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("want a non-negative integer, got %q", v)
			}
			c.JobRetries = n
			if n == 0 {
				c.JobRetries = -1
			}
			return nil
		}},
		{"job-backoff", "SHRINKSCOPE_JOB_BACKOFF", "30s", "wait before a failed job's first retry, doubling for each next", func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("want a positive duration such as 30s, got %q", v)
			}
			c.JobBackoff = d
			return nil
		}},
		{"webhook-allow", "SHRINKSCOPE_WEBHOOK_ALLOW", "", "host names, IP addresses and CIDR networks (comma-separated) that webhooks may reach although loopback, private, link-local, unique-local, CGNAT, multicast or otherwise not public, e.g. relay.store.internal,10.20.0.0/16; empty: public addresses only", func(v string) error {
			a, err := reports.ParseAllow(v)
			if err != nil {
				return err
			}
			c.WebhookAllow = a
			return nil
		}},
		{"migrate", "SHRINKSCOPE_MIGRATE", "true", "apply pending migrations when the server starts", func(v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("want true or false, got %q", v)
			}
			c.Migrate = b
			return nil
		}},
	}
}

// schedule is the setting of one job's cron schedule.
func schedule(c *Config, job, def, what string) setting {
	env := "SHRINKSCOPE_SCHEDULE_" + strings.ToUpper(strings.ReplaceAll(job, "-", "_"))
	return setting{"schedule-" + job, env, def, "cron schedule (UTC) of job " + job + ": " + what, func(v string) error {
		if c.Schedules == nil {
			c.Schedules = map[string]string{}
		}
		c.Schedules[job] = v
		return nil
	}}
}

// parseConfig reads defaults, then the environment, then flags; names lists
// which settings the command uses. A bad value fails naming its source.
func parseConfig(fs *flag.FlagSet, e *env, args []string, names ...string) (*Config, error) {
	c := &Config{}
	all := append(append(append(settings(c, e.getenv), segmentSettings(c)...), guardSettings(c)...), alertSettings(c)...)
	all = append(all, checkoutSettings(c)...)
	all = append(all, poolSettings(c)...)
	all = append(all, replicaSettings(c)...)
	src := map[string]string{} // where each setting's value came from, by flag
	var used []setting
	for _, s := range all {
		for _, n := range names {
			if s.flag == n {
				used = append(used, s)
			}
		}
	}
	for _, s := range used {
		if err := s.set(s.def); err != nil {
			return nil, fmt.Errorf("default of --%s: %w", s.flag, err)
		}
		if v := e.getenv(s.env); v != "" {
			if err := s.set(v); err != nil {
				return nil, fmt.Errorf("environment variable %s: %w", s.env, err)
			}
			src[s.flag] = "environment variable " + s.env
		}
	}
	for _, s := range used {
		s := s
		set := func(v string) error {
			src[s.flag] = "--" + s.flag
			return s.set(v)
		}
		usage := fmt.Sprintf("%s (env %s, default %q)", s.help, s.env, s.def)
		if s.def == "false" {
			fs.BoolFunc(s.flag, usage, set) // a switch: --demo alone means true
		} else {
			fs.Func(s.flag, usage, set)
		}
	}
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		printSettings(fs.Output(), fs.Name(), used)
		printOwnFlags(fs.Output(), fs, used)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := checkSegments(c, used, src); err != nil {
		return nil, err
	}
	c.given = map[string]bool{}
	for f := range src {
		c.given[f] = true
	}
	return c, nil
}

func printSettings(w io.Writer, cmd string, used []setting) {
	fmt.Fprintf(w, "Usage: shrinkscope %s [flags]\n\nSettings (flag, environment variable, default):\n", cmd)
	for _, s := range used {
		def := s.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(w, "  --%-18s %-30s %s\n      %s\n", s.flag, s.env, def, s.help)
	}
}

// printOwnFlags lists a command's flags that are not settings (demo's
// --stores, --listen, …).
func printOwnFlags(w io.Writer, fs *flag.FlagSet, used []setting) {
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		for _, s := range used {
			if s.flag == f.Name {
				return
			}
		}
		if first {
			fmt.Fprintf(w, "\nFlags of %s:\n", fs.Name())
			first = false
		}
		fmt.Fprintf(w, "  --%-18s %s\n", f.Name, f.Usage)
	})
}

// dbFlags are the settings every command that opens the database uses.
var dbFlags = []string{"database-url", "database-exec-mode", "demo", "state-dir", "db-max-conns", "log-level", "log-format", "reporting-currency", "default-currency"}

func newLogger(c *Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	text := c.LogFormat == "text"
	if c.LogFormat == "auto" || c.LogFormat == "" {
		f, ok := w.(*os.File)
		text = ok && term.IsTerminal(int(f.Fd()))
	}
	if text {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func openDB(ctx context.Context, c *Config, log *slog.Logger) (*db.DB, error) {
	o := db.Options{URL: c.DatabaseURL, StateDir: c.StateDir, MaxConns: int32(c.DBMaxConns), ExecMode: c.DatabaseExecMode, Logger: log}
	if c.Demo {
		o.Database = demoDatabase
	}
	return db.Open(ctx, o)
}

// keyValues parses "a=1,b=2" with keys from allowed.
func keyValues(s string, allowed ...string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, part := range splitList(s) {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("want key=value pairs, got %q", part)
		}
		known := false
		for _, a := range allowed {
			known = known || a == k
		}
		if !known {
			return nil, fmt.Errorf("unknown key %q (want %s)", k, strings.Join(allowed, ", "))
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: want a number, got %q", k, v)
		}
		out[k] = f
	}
	return out, nil
}

// openMigrated opens the database and brings its schema up to date, for the
// commands that work on the data (token, kpi, jobs): run from the folder
// a demo runs in, they open the demo's database (demoHere).
func openMigrated(ctx context.Context, c *Config, e *env) (*db.DB, *slog.Logger, error) {
	demoHere(c, e)
	log := newLogger(c, e.stderr)
	d, err := openDB(ctx, c, log)
	if err != nil {
		return nil, nil, err
	}
	if err := migrateUp(ctx, d.Pool, log, c); err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, log, nil
}

// migrateUp applies pending migrations, then gives every store without a
// currency the configured default (a migration cannot read the settings).
func migrateUp(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, c *Config) error {
	if err := migrations.Up(ctx, pool, log); err != nil {
		return err
	}
	cur := c.DefaultCurrency
	if cur == "" {
		cur = c.reporting()
	}
	n, err := layout.New(pool).AdoptCurrency(ctx, cur)
	if err != nil {
		return err
	}
	if n > 0 && log != nil {
		log.Info("stores without a currency given the default", "stores", n, "currency", cur)
	}
	return nil
}

// reporting is the reporting currency, GBP where the command has no such setting.
func (c *Config) reporting() ss.Currency {
	if c.ReportingCurrency == "" {
		return kpi.DefaultReportingCurrency
	}
	return c.ReportingCurrency
}

// newServices builds the service graph with the configured reporting currency.
func newServices(pool *pgxpool.Pool, c *Config) app.Services {
	svc := app.New(pool)
	_ = svc.KPIs.SetReportingCurrency(c.reporting()) // checked when parsed
	svc.Workforce.HourlyCosts = c.StaffingHourlyCosts
	return svc
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
