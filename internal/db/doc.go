// Package db gets the binary a PostgreSQL connection pool on any machine: it
// uses DATABASE_URL when given, else a PostgreSQL already running locally,
// else one it starts itself with its data kept under StateDir.
package db
