// Package shrinkscope holds the domain vocabulary of the service: stores, zones,
// concealment events, outcomes, footfall, sales, roles, and their validation.
// It does no I/O; the packages below it store and compute.
package shrinkscope
