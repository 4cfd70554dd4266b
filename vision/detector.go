package vision

import (
	"fmt"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

var ortInit struct {
	sync.Mutex
	lib string
	err error
}

// InitRuntime loads the ONNX Runtime shared library at lib once per process;
// later calls must name the same library.
func InitRuntime(lib string) error {
	ortInit.Lock()
	defer ortInit.Unlock()
	if ortInit.lib != "" {
		if lib != ortInit.lib {
			return fmt.Errorf("vision: ONNX Runtime already loaded from %s", ortInit.lib)
		}
		return ortInit.err
	}
	ortInit.lib = lib
	ort.SetSharedLibraryPath(lib)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		ortInit.err = fmt.Errorf("vision: load ONNX Runtime from %s (set onnxruntime.library): %w", lib, err)
	}
	return ortInit.err
}

// RuntimeOptions are the session settings.
type RuntimeOptions struct {
	IntraOpThreads int  // 0: ONNX Runtime's default (one per core)
	InterOpThreads int  // 0: ONNX Runtime's default
	CUDA           bool // use the CUDA execution provider (needs the CUDA build of the library)
}

// Detector runs a YOLO-format model with fixed input [1, 3, S, S] and output
// [1, 4+classes, n]. Its tensors are allocated once; Input is written in
// place and Run fills Output.
type Detector struct {
	Size, Classes, Candidates int
	session                   *ort.AdvancedSession
	in, out                   *ort.Tensor[float32]
}

// NewDetector opens the model at path; the input size and the number of
// classes and candidates are read from it.
func NewDetector(path string, classes int, opt RuntimeOptions) (*Detector, error) {
	ins, outs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, fmt.Errorf("vision: read model %s: %w", path, err)
	}
	if len(ins) != 1 || len(outs) < 1 {
		return nil, fmt.Errorf("vision: model %s has %d inputs and %d outputs; want one image input and a detection output", path, len(ins), len(outs))
	}
	id, od := ins[0].Dimensions, outs[0].Dimensions
	if len(id) != 4 || id[1] != 3 || id[2] <= 0 || id[2] != id[3] {
		return nil, fmt.Errorf("vision: model input %s has shape %v; want a fixed [1, 3, S, S]", ins[0].Name, id)
	}
	if len(od) != 3 || od[1] != int64(4+classes) || od[2] <= 0 {
		return nil, fmt.Errorf("vision: model output %s has shape %v; want [1, 4+%d classes, candidates] as YOLO exports", outs[0].Name, od, classes)
	}
	d := &Detector{Size: int(id[2]), Classes: classes, Candidates: int(od[2])}
	if d.in, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, id[2], id[2])); err != nil {
		return nil, err
	}
	if d.out, err = ort.NewEmptyTensor[float32](ort.NewShape(1, od[1], od[2])); err != nil {
		d.in.Destroy()
		return nil, err
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		d.Close()
		return nil, err
	}
	defer so.Destroy()
	if opt.IntraOpThreads > 0 {
		_ = so.SetIntraOpNumThreads(opt.IntraOpThreads)
	}
	if opt.InterOpThreads > 0 {
		_ = so.SetInterOpNumThreads(opt.InterOpThreads)
	}
	if opt.CUDA {
		cuda, err := ort.NewCUDAProviderOptions()
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("vision: CUDA execution provider: %w", err)
		}
		defer cuda.Destroy()
		if err := so.AppendExecutionProviderCUDA(cuda); err != nil {
			d.Close()
			return nil, fmt.Errorf("vision: CUDA execution provider: %w", err)
		}
	}
	d.session, err = ort.NewAdvancedSession(path, []string{ins[0].Name}, []string{outs[0].Name},
		[]ort.Value{d.in}, []ort.Value{d.out}, so)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("vision: open model %s: %w", path, err)
	}
	return d, nil
}

// Input is the input tensor's data, NCHW.
func (d *Detector) Input() []float32 { return d.in.GetData() }

// Output is the output tensor's data, channel-major.
func (d *Detector) Output() []float32 { return d.out.GetData() }

// Run runs the model on Input.
func (d *Detector) Run() error { return d.session.Run() }

// Close frees the session and tensors.
func (d *Detector) Close() {
	if d.session != nil {
		d.session.Destroy()
	}
	if d.in != nil {
		d.in.Destroy()
	}
	if d.out != nil {
		d.out.Destroy()
	}
}
