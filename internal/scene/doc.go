// Package scene scripts synthetic camera footage for the vision tests: red
// square people walking a floor seen from above, painting yellow (pocket) or
// magenta (bag) on themselves when they conceal, as the generated test
// detector (internal/onnxmodel) sees them. It also knows the answers: the
// floor plan, each camera's calibration, and the events and footfall a
// correct pipeline reports.
package scene
