package app

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// keptByReset are the tables a reset leaves alone: the schema's version and
// the API tokens, so a reset estate keeps its sign-in.
var keptByReset = []string{"goose_db_version", "api_tokens"}

// Reset empties every other table of the schema — facts, rollups, layouts,
// plans, reports, job history — in one statement, so that a new estate can
// be loaded. The tables are read from the catalog, so a table added by a
// later migration is emptied too.
func Reset(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, `
SELECT quote_ident(tablename) FROM pg_tables
WHERE schemaname = current_schema() AND NOT tablename = ANY($1) ORDER BY 1`, keptByReset)
	if err != nil {
		return fmt.Errorf("app: reset: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("app: reset: %w", err)
	}
	if len(tables) == 0 {
		return nil
	}
	list := tables[0]
	for _, t := range tables[1:] {
		list += ", " + t
	}
	// The names come from the catalog, quoted: no input reaches this statement.
	if _, err := pool.Exec(ctx, `TRUNCATE `+list+` CASCADE`); err != nil {
		return fmt.Errorf("app: reset: %w", err)
	}
	return nil
}
