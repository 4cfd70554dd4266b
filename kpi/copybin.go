package kpi

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// binCopy writes PostgreSQL's binary COPY format
// (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format")
// for the events table. pgx.CopyFrom encodes each
// value through its type map (a plan lookup and an interface conversion per
// value), which was a third of the HTTP ingest CPU; this writes the few
// types it holds straight into one buffer. Columns and types are fixed by
// EventColumns; TestBinaryCopyMatchesPgx
// stores the same events both ways and compares every column.
type binCopy struct{ b []byte }

// pgEpochMicros is 2000-01-01T00:00:00Z, where binary timestamps count from.
const pgEpochMicros = 946_684_800_000_000

func newBinCopy(rows, rowBytes int) *binCopy {
	c := &binCopy{b: make([]byte, 0, 19+rows*rowBytes+2)}
	c.b = append(c.b, "PGCOPY\n\xff\r\n\x00"...)
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // flags
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // header extension length
	return c
}

func (c *binCopy) row(fields int16) { c.b = binary.BigEndian.AppendUint16(c.b, uint16(fields)) }

func (c *binCopy) uuid(id [16]byte) {
	c.b = binary.BigEndian.AppendUint32(c.b, 16)
	c.b = append(c.b, id[:]...)
}

func (c *binCopy) int8(v int64) {
	c.b = binary.BigEndian.AppendUint32(c.b, 8)
	c.b = binary.BigEndian.AppendUint64(c.b, uint64(v))
}

func (c *binCopy) text(s string) {
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(s)))
	c.b = append(c.b, s...)
}

func (c *binCopy) timestamptz(t time.Time) {
	c.b = binary.BigEndian.AppendUint32(c.b, 8)
	c.b = binary.BigEndian.AppendUint64(c.b, uint64(t.UnixMicro()-pgEpochMicros))
}

func (c *binCopy) float4(v float32) {
	c.b = binary.BigEndian.AppendUint32(c.b, 4)
	c.b = binary.BigEndian.AppendUint32(c.b, math.Float32bits(v))
}

// cents writes cents/100 as a numeric with two decimals: base-10000 digit
// groups, most significant first, the weight of the first group, the sign
// and the display scale.
func (c *binCopy) cents(v int64) {
	sign := uint16(0)
	abs := uint64(v)
	if v < 0 {
		sign, abs = 0x4000, uint64(-v)
	}
	var groups [8]uint16 // room for 24 integer digits and the fraction
	n := 0
	for whole := abs / 100; whole > 0; whole /= 10000 {
		groups[n] = uint16(whole % 10000)
		n++
	}
	weight := n - 1 // groups[n-1] is the most significant integer group
	// Reverse the integer groups, then append the fraction's group (.xy is
	// xy00 of 10000).
	for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
		groups[i], groups[j] = groups[j], groups[i]
	}
	if frac := abs % 100; frac != 0 {
		groups[n] = uint16(frac * 100)
		n++
		if weight < 0 {
			weight = -1
		}
	}
	for n > 0 && groups[n-1] == 0 { // trailing zero groups are implied
		n--
	}
	if n == 0 {
		weight, sign = 0, 0
	}
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(8+2*n))
	c.b = binary.BigEndian.AppendUint16(c.b, uint16(n))
	c.b = binary.BigEndian.AppendUint16(c.b, uint16(int16(weight)))
	c.b = binary.BigEndian.AppendUint16(c.b, sign)
	c.b = binary.BigEndian.AppendUint16(c.b, 2)
	for _, g := range groups[:n] {
		c.b = binary.BigEndian.AppendUint16(c.b, g)
	}
}

// send ends the data and COPYs it into table's columns on tx's connection.
func (c *binCopy) send(ctx context.Context, tx pgx.Tx, table string, columns []string) error {
	c.b = binary.BigEndian.AppendUint16(c.b, 0xffff)
	sql := "COPY " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(columns, ", ") + ") FROM STDIN (FORMAT binary)"
	_, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(c.b), sql)
	return err
}

// copyEvents COPYs resolved events into events, in EventColumns' order.
func copyEvents(ctx context.Context, tx pgx.Tx, events []*ss.Event) error {
	c := newBinCopy(len(events), 160)
	for _, e := range events {
		c.row(int16(len(EventColumns)))
		c.uuid(e.ID)
		c.int8(e.StoreID)
		c.int8(e.ZoneID)
		c.text(e.Camera)
		c.text(e.Track)
		c.timestamptz(e.OccurredAt)
		c.float4(float32(e.Score))
		c.text(string(e.Method))
		c.text(e.Category)
		c.cents(toCents(e.EstValue))
	}
	return c.send(ctx, tx, "events", EventColumns)
}
