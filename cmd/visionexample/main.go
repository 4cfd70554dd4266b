// Command visionexample writes the files docs/VISION.md's walk-through
// uses: a generated test detector (person, pocket, bag), a scene of PNG
// frames it sees two concealments in, and the store and zones to PUT on
// the server. Nothing is downloaded.
//
//	go run ./cmd/visionexample -out example
package main

import (
	"flag"
	"fmt"
	"log"
	"path/filepath"

	"github.com/shrinkscope/shrinkscope/internal/scene"
)

func main() {
	out := flag.String("out", "example", "folder to write into")
	flag.Parse()
	if err := scene.WriteExample(*out); err != nil {
		log.Fatal(err)
	}
	for _, f := range []string{scene.ExampleModel, scene.ExampleFrames + "/", scene.ExampleStore, scene.ExampleZones} {
		fmt.Println(filepath.Join(*out, f))
	}
}
