// Package alerts is the live workflow of stores on the soc operating model:
// an event ingested for such a store opens an alert in the ingest
// transaction; operators claim, release and close it; a close is written as
// the event's outcome through kpi's outcome path, so the KPI rollups see the
// response time and the outcome with no second path. Every change of an
// alert is a row of an outbox (alert_changes) written in the change's
// transaction; the stream hub wakes on PostgreSQL NOTIFY and hands new rows
// to the connected consoles of its replica, and a console that reconnects
// resumes from the outbox by id. Escalation raises alert.unclaimed for an
// alert nobody claimed in time and closes one left open too long as
// unresolved, by the system.
package alerts
