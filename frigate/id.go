package frigate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// EventID is the shrinkscope event id of one Frigate object: a UUIDv7 whose
// 48-bit time is the object's start (milliseconds) and whose remaining bits
// come from SHA-256 of the store, camera and Frigate event id. The same
// object always gets the same id — a replayed or updated message can only
// ever be a duplicate on the server — and ids stay time-ordered, as the
// events table wants (DESIGN.md, Data).
func EventID(store, camera, frigateID string, startMillis int64) string {
	h := sha256.Sum256([]byte(store + "\x00" + camera + "\x00" + frigateID))
	var u [16]byte
	ms := uint64(startMillis)
	for i := 0; i < 6; i++ {
		u[i] = byte(ms >> (40 - 8*i))
	}
	copy(u[6:], h[:10])
	u[6] = 0x70 | u[6]&0x0f // version 7
	u[8] = 0x80 | u[8]&0x3f // RFC 9562 variant
	x := hex.EncodeToString(u[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", x[:8], x[8:12], x[12:16], x[16:20], x[20:])
}

// trackID is the event's anonymous track: a digest of the Frigate id, so
// the track says nothing about the person and Frigate's id stays on the
// store's own machine.
func trackID(store, camera, frigateID string) string {
	h := sha256.Sum256([]byte("track\x00" + store + "\x00" + camera + "\x00" + frigateID))
	return hex.EncodeToString(h[:8])
}
