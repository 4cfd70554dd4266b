// Package sheet writes the text cells of every CSV and XLSX export (KPI
// CSV, staffing plans and their zips), so that a spreadsheet program shows
// what a sender typed as text and never runs it as a formula. It is pure:
// no I/O.
package sheet
