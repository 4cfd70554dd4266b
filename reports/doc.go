// Package reports runs the loop on a schedule and keeps its record: the
// scheduler of cron schedules (parsed by robfig/cron v3, waited for on a
// Clock that tests move forward) whose every tick runs exactly once across
// replicas, with retries, no overlap and catch-up after downtime; the job
// run history; the chart builders (go-echarts, with the ECharts script
// embedded in the binary); the weekly HTML report snapshots and their
// webhook delivery.
//
// A job is a name, a cron schedule and a function returning the rows it
// touched. Which jobs exist is decided by cmd/shrinkscope, which hands each
// one the package it calls; reports itself knows none of them.
//
// Webhooks subscribe to events (report.created, job.failed). An event's
// deliveries are rows of report_deliveries written in the transaction that
// records the event (an outbox); Webhooks.Run sends them, signed, with
// retries and backoff, each once across replicas (FOR UPDATE SKIP LOCKED),
// and only to addresses the network rules allow (webhooks_net.go).
package reports
