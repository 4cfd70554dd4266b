package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/layout"
)

func cmdToken(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "create" && args[0] != "list" && args[0] != "revoke" {
		fmt.Fprintln(e.stderr, "usage: shrinkscope token create|list|revoke [flags]")
		return usageError(args)
	}
	fs := flag.NewFlagSet("token "+args[0], flag.ContinueOnError)
	var role, name, stores string
	if args[0] == "create" {
		fs.StringVar(&role, "role", "", "admin, ops, planner, merchandiser or ingest (required)")
		fs.StringVar(&name, "name", "", "who or what the token is for (required)")
		fs.StringVar(&stores, "stores", "", "comma-separated store codes the token is limited to; empty: all stores")
	}
	c, err := parseConfig(fs, e, args[1:], dbFlags...)
	if err != nil {
		return err
	}
	d, log, err := openMigrated(ctx, c, e)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := tokens.New(d.Pool)
	switch args[0] {
	case "create":
		codes, err := storeList(stores)
		if err != nil {
			return err
		}
		if len(codes) > 0 {
			known, err := layout.New(d.Pool).Stores(ctx, codes)
			if err != nil {
				return err
			}
			if len(known) != len(codes) {
				return fmt.Errorf("--stores: %s", missingStores(codes, known))
			}
		}
		secret, tok, err := svc.Create(ctx, name, ss.Role(role), codes)
		if err != nil {
			return flagError(err)
		}
		log.Info("token created", "id", tok.ID, "name", tok.Name, "role", tok.Role, "stores", tok.Stores)
		// The secret alone on stdout, so `TOKEN=$(shrinkscope token create …)` works.
		fmt.Fprintln(e.stdout, secret)
		return nil
	case "list":
		list, err := svc.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tSTORES\tPREFIX\tCREATED\tLAST USED\tSTATE")
		for _, t := range list {
			scope, used, state := "all", "never", "live"
			if len(t.Stores) > 0 {
				scope = strings.Join(t.Stores, ",")
			}
			if t.LastUsedAt != nil {
				used = t.LastUsedAt.UTC().Format(time.DateTime)
			}
			if t.RevokedAt != nil {
				state = "revoked " + t.RevokedAt.UTC().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, scope, t.Prefix, t.CreatedAt.UTC().Format(time.DateTime), used, state)
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return fmt.Errorf("token revoke takes one token id or name")
		}
		n, err := svc.Revoke(ctx, fs.Arg(0))
		if err != nil {
			return flagError(err)
		}
		fmt.Fprintf(e.stdout, "revoked %d token(s)\n", n)
		return nil
	default:
		return fmt.Errorf("unknown token command %q (create, list, revoke)", args[0])
	}
}

func missingStores(codes []string, known []ss.Store) string {
	have := map[string]bool{}
	for _, s := range known {
		have[s.Code] = true
	}
	var miss []string
	for _, c := range codes {
		if !have[c] {
			miss = append(miss, c)
		}
	}
	return "unknown store(s): " + strings.Join(miss, ", ")
}

// flagError renders a domain error for the command line, naming the flag.
func flagError(err error) error {
	if de, ok := err.(*ss.Error); ok && de.Field != "" {
		return fmt.Errorf("--%s: %s", de.Field, de.Message)
	}
	return err
}

// storeList reads --stores: empty for every store, else store codes
// separated by commas, none of them empty. An empty name is refused, not
// skipped: "--stores ," read leniently is no store at all, which would make
// a token for every store out of one meant for some.
func storeList(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		if parts[i] = strings.TrimSpace(p); parts[i] == "" {
			return nil, fmt.Errorf("--stores: store %d of %q is empty; name each store once, separated by commas (omit --stores for every store)", i+1, s)
		}
	}
	return parts, nil
}
