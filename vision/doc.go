// Package vision is the inference tier that runs in a store: it reads camera
// frames (ffmpeg, MJPEG over HTTP, or a folder of images), runs a YOLO-format
// ONNX detector through ONNX Runtime, tracks people anonymously, maps their
// floor positions through each camera's homography into the store's planogram
// zones, turns sustained concealment scores into events, counts footfall, and
// delivers both to the server's ingest API through an on-disk spool.
//
// It talks to the server over HTTP only. The geometry, tracker, concealment
// rule and footfall counter are pure functions over plain values; the ONNX
// session, frame sources, spool and HTTP client are the thin shells around
// them. It is the only package that imports onnxruntime_go.
package vision
