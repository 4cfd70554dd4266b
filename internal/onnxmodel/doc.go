// Package onnxmodel writes small ONNX models from Go, so the vision tests and
// benchmark run a real detector through ONNX Runtime without downloaded
// weights: a hand-built test detector whose outputs are known for synthetic
// frames, and a benchmark detector with the size and compute of a small real
// one. It encodes the ONNX protobuf (onnx/onnx.proto, IR version 8) directly.
package onnxmodel
