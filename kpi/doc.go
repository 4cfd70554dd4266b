// Package kpi owns the facts — events, outcomes, footfall, sales — their
// ingest, and the KPIs computed from them.
package kpi
