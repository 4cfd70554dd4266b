// Package frigate is the bridge for stores that already run Frigate, the
// open-source NVR: it subscribes to Frigate's tracked-object messages on the
// store's MQTT broker (frigate/events), turns concealment objects into
// shrinkscope events — one per Frigate object, its id derived from
// Frigate's event id, false positives dropped, placed in a zone by Frigate's
// zone names or by the camera's calibration — and counts the person objects
// entering entrance zones as footfall per hour. Events and footfall go
// through vision's spool and sender, so delivery is the same as the vision
// tier's: durable, idempotent, over HTTP only.
//
// The mapping from a message to an event is a pure function (Mapper); the
// MQTT client (eclipse paho), the spool and the sender are the shell. It is
// the only package that imports paho.
package frigate
