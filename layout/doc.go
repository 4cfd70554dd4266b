// Package layout owns stores, their planogram zones and layout versions:
// storing them, and resolving store and zone codes for ingest.
package layout
