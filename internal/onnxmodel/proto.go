package onnxmodel

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers and enums of onnx/onnx.proto.
const (
	irVersion = 8
	opset     = 13

	elemFloat = 1 // TensorProto.FLOAT
	elemInt64 = 7 // TensorProto.INT64

	attrFloat  = 1 // AttributeProto.FLOAT
	attrInt    = 2 // AttributeProto.INT
	attrTensor = 4 // AttributeProto.TENSOR
	attrInts   = 7 // AttributeProto.INTS
)

// Graph collects nodes, initializers and the graph's inputs and outputs.
type Graph struct {
	nodes   [][]byte
	inits   [][]byte
	inputs  [][]byte
	outputs [][]byte
	n       int // for unique value names
}

// name returns a fresh value name with prefix p.
func (g *Graph) name(p string) string {
	g.n++
	return p + "_" + itoa(g.n)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// attr is one node attribute.
type attr struct {
	name   string
	kind   int
	i      int64
	f      float32
	ints   []int64
	tensor []byte
}

func ints(name string, v ...int64) attr { return attr{name: name, kind: attrInts, ints: v} }
func intAttr(name string, v int64) attr { return attr{name: name, kind: attrInt, i: v} }

func (a attr) encode() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, a.name)
	switch a.kind {
	case attrFloat:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.f))
	case attrInt:
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.i))
	case attrTensor:
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, a.tensor)
	case attrInts:
		for _, v := range a.ints {
			b = protowire.AppendTag(b, 8, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	b = protowire.AppendTag(b, 20, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(a.kind))
}

// node adds an operator node and returns its single output's name.
func (g *Graph) node(op string, inputs []string, attrs ...attr) string {
	out := g.name(op)
	g.nodeOut(op, inputs, []string{out}, attrs...)
	return out
}

func (g *Graph) nodeOut(op string, inputs, outputs []string, attrs ...attr) {
	var b []byte
	for _, in := range inputs {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, in)
	}
	for _, out := range outputs {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, out)
	}
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendString(b, g.name("node"))
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendString(b, op)
	for _, a := range attrs {
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, a.encode())
	}
	g.nodes = append(g.nodes, b)
}

// tensor encodes a float32 TensorProto with raw little-endian data.
func tensor(name string, dims []int64, data []float32) []byte {
	var b []byte
	for _, d := range dims {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, elemFloat)
	b = protowire.AppendTag(b, 8, protowire.BytesType)
	b = protowire.AppendString(b, name)
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	return protowire.AppendBytes(b, raw)
}

// int64Tensor encodes an int64 TensorProto.
func int64Tensor(name string, data []int64) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(len(data)))
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, elemInt64)
	b = protowire.AppendTag(b, 8, protowire.BytesType)
	b = protowire.AppendString(b, name)
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	return protowire.AppendBytes(b, raw)
}

// initInt64 adds a one-dimensional int64 initializer and returns its name.
func (g *Graph) initInt64(prefix string, data ...int64) string {
	name := g.name(prefix)
	g.inits = append(g.inits, int64Tensor(name, data))
	return name
}

// init adds a float32 initializer and returns its name.
func (g *Graph) init(prefix string, dims []int64, data []float32) string {
	name := g.name(prefix)
	g.inits = append(g.inits, tensor(name, dims, data))
	return name
}

// valueInfo encodes a float32 tensor ValueInfoProto with a fixed shape.
func valueInfo(name string, dims []int64) []byte {
	var shape []byte
	for _, d := range dims {
		var dim []byte
		dim = protowire.AppendTag(dim, 1, protowire.VarintType)
		dim = protowire.AppendVarint(dim, uint64(d))
		shape = protowire.AppendTag(shape, 1, protowire.BytesType)
		shape = protowire.AppendBytes(shape, dim)
	}
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType)
	tt = protowire.AppendVarint(tt, elemFloat)
	tt = protowire.AppendTag(tt, 2, protowire.BytesType)
	tt = protowire.AppendBytes(tt, shape)
	var typ []byte
	typ = protowire.AppendTag(typ, 1, protowire.BytesType)
	typ = protowire.AppendBytes(typ, tt)
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, name)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, typ)
}

// Input declares a graph input.
func (g *Graph) Input(name string, dims ...int64) string {
	g.inputs = append(g.inputs, valueInfo(name, dims))
	return name
}

// Output declares value as the graph output name with the given shape, adding
// an Identity node to rename it.
func (g *Graph) Output(value, name string, dims ...int64) {
	g.nodeOut("Identity", []string{value}, []string{name})
	g.outputs = append(g.outputs, valueInfo(name, dims))
}

// Model encodes the graph as a ModelProto.
func (g *Graph) Model(graphName string) []byte {
	var gb []byte
	for _, n := range g.nodes {
		gb = protowire.AppendTag(gb, 1, protowire.BytesType)
		gb = protowire.AppendBytes(gb, n)
	}
	gb = protowire.AppendTag(gb, 2, protowire.BytesType)
	gb = protowire.AppendString(gb, graphName)
	for _, t := range g.inits {
		gb = protowire.AppendTag(gb, 5, protowire.BytesType)
		gb = protowire.AppendBytes(gb, t)
	}
	for _, v := range g.inputs {
		gb = protowire.AppendTag(gb, 11, protowire.BytesType)
		gb = protowire.AppendBytes(gb, v)
	}
	for _, v := range g.outputs {
		gb = protowire.AppendTag(gb, 12, protowire.BytesType)
		gb = protowire.AppendBytes(gb, v)
	}
	var op []byte
	op = protowire.AppendTag(op, 1, protowire.BytesType)
	op = protowire.AppendString(op, "")
	op = protowire.AppendTag(op, 2, protowire.VarintType)
	op = protowire.AppendVarint(op, opset)

	var m []byte
	m = protowire.AppendTag(m, 1, protowire.VarintType)
	m = protowire.AppendVarint(m, irVersion)
	m = protowire.AppendTag(m, 2, protowire.BytesType)
	m = protowire.AppendString(m, "shrinkscope onnxmodel")
	m = protowire.AppendTag(m, 7, protowire.BytesType)
	m = protowire.AppendBytes(m, gb)
	m = protowire.AppendTag(m, 8, protowire.BytesType)
	return protowire.AppendBytes(m, op)
}
