// Package web is the HTTP face of shrinkscope: the JSON API with its route
// table and permissions, error rendering, auth, metrics, health and pages.
package web
