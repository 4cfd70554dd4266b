-- +goose Up
-- The zone, category and method figures per hour packed into one row per store and local day
-- (issue 28). kpi_method_hourly held a row per store, zone, category, method and hour — about one
-- event each — with 19 figures, a response sketch and two indexes: 245 bytes per event on the
-- 200-store benchmark estate, the largest table. Arrays per figure were measured against (the
-- rows are sparse: an array header per figure costs more than a row's figures), so the day's cells
-- are encoded in one bytea instead, as variable-length integers.
--
-- The encoding (migrations/method_hours_test.go checks bytes computed by hand):
--   labels  text[]: the day's categories and methods, sorted, each once;
--   cells   bytea:  the day's cells ordered by (minute, zone, category, method), each
--     zigzag varint  minute − the previous cell's minute (the first: − 0), where minute is the
--                    cell's hour instant in minutes from 00:00 UTC of the local date, as
--                    kpi_visitors_hours keeps it: a 23- or 25-hour day, the repeated autumn hour
--                    and half-hour or 45-minute offsets need nothing special;
--     zigzag varint  zone id − the previous cell's zone id (the first: − 0);
--     varint         the category's index in labels (from 0), then the method's;
--     varint         a mask: bit i (from 0) set when figure i (figureColumns' order) is not zero,
--                    bit 19 when the cell has a response sketch;
--     per set bit    the figure as a varint: counts as they are, money (est_loss,
--                    recovered_value, concealed_value, open_value, paid_value) in minor units,
--                    zigzag-coded (value_recovered has no sign check);
--     if bit 19      varint n, then n pairs: varint bucket − the previous bucket (the first: − 0),
--                    varint count.
-- A varint is 7 bits a byte, least significant first, the high bit set on every byte but the
-- last; zigzag maps 0, −1, 1, −2, … to 0, 1, 2, 3, ….
--
-- Encoding and decoding are SQL functions, so that this migration converts the rows in place (the
-- hours of weeks whose facts retention purged keep their figures, as in 00034), the refresh packs
-- a day in the statement that computes it, and the readers keep reading kpi_method_hourly, now a
-- view that unpacks the days their conditions on store_id and local_date select.

-- kpi_varint is x (≥ 0) as a varint.
-- +goose StatementBegin
CREATE FUNCTION kpi_varint(x bigint) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    out bytea := '';
BEGIN
    IF x < 0 THEN
        RAISE EXCEPTION 'kpi_varint: % is negative', x;
    END IF;
    WHILE x >= 128 LOOP
        out := out || set_byte('\x00'::bytea, 0, ((x & 127) | 128)::int);
        x := x >> 7;
    END LOOP;
    RETURN out || set_byte('\x00'::bytea, 0, x::int);
END
$$;
-- +goose StatementEnd

-- kpi_zigzag maps a signed x to the unsigned 0, −1, 1, −2, … → 0, 1, 2, 3, ….
CREATE FUNCTION kpi_zigzag(x bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (x << 1) # (x >> 63);

-- kpi_cents is a zigzag-coded amount in minor units as the amount: zero as 0, as a sum over no
-- events is, anything else to the cent (a sum of numeric(12, 2) values).
CREATE FUNCTION kpi_cents(x bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN x = 0 THEN 0 ELSE ((x >> 1) # -(x & 1)) * 0.01 END;

-- kpi_method_cell is one cell's bytes: the deltas of its minute and zone, its category's and
-- method's label indexes, its 19 figures (figureColumns' order, money in the store's currency)
-- and its response sketch ((bucket << 32) | count, ascending).
-- +goose StatementBegin
CREATE FUNCTION kpi_method_cell(dminute int, dzone bigint, category int, method int, figs numeric[], response bigint[]) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    mask bigint := 0;
    body bytea := '';
    v numeric;
    b bigint;
    prev bigint := 0;
    x bigint;
BEGIN
    IF cardinality(figs) <> 19 THEN
        RAISE EXCEPTION 'kpi_method_cell: % figures, not 19', cardinality(figs);
    END IF;
    FOR i IN 1..19 LOOP
        v := figs[i];
        IF v <> 0 THEN
            mask := mask | (1::bigint << (i - 1));
            IF i IN (3, 4, 5, 18, 19) THEN
                IF v * 100 <> trunc(v * 100) THEN
                    RAISE EXCEPTION 'kpi_method_cell: % is not whole minor units', v;
                END IF;
                body := body || kpi_varint(kpi_zigzag((v * 100)::bigint));
            ELSE
                body := body || kpi_varint(v::bigint);
            END IF;
        END IF;
    END LOOP;
    IF cardinality(response) > 0 THEN
        mask := mask | (1::bigint << 19);
        body := body || kpi_varint(cardinality(response));
        FOREACH x IN ARRAY response LOOP
            b := x >> 32;
            body := body || kpi_varint(b - prev) || kpi_varint(x & 4294967295);
            prev := b;
        END LOOP;
    END IF;
    RETURN kpi_varint(kpi_zigzag(dminute)) || kpi_varint(kpi_zigzag(dzone)) || kpi_varint(category) || kpi_varint(method)
        || kpi_varint(mask) || body;
END
$$;
-- +goose StatementEnd

-- kpi_method_cells unpacks a day's cells: one row per cell, its minute, zone, category, method,
-- figures (money in the store's currency, to the cent) and response sketch.
-- +goose StatementBegin
CREATE FUNCTION kpi_method_cells(cells bytea, labels text[])
RETURNS TABLE (minute int, zone_id bigint, category text, method text, detections int, events int, est_loss numeric,
    recovered_value numeric, concealed_value numeric, recovered int, lost int, false_positive int, open int, paid int,
    nudged_paid int, blocked_recovered int, intervened_recovered int, unresolved int, interventions int, responded int,
    confirmed int, open_value numeric, paid_value numeric, response bigint[])
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    vals bigint[] := '{}';
    n int := length(cells);
    p int := 0;
    b int;
    v bigint;
    sh int;
    i int := 1;
    m int;
    mask bigint;
    f bigint[];
    cnt bigint;
    bk bigint;
BEGIN
    -- The varints as numbers first: every field is one.
    WHILE p < n LOOP
        b := get_byte(cells, p);
        p := p + 1;
        IF b < 128 THEN
            vals := array_append(vals, b::bigint);
            CONTINUE;
        END IF;
        v := b & 127;
        sh := 7;
        LOOP
            b := get_byte(cells, p);
            p := p + 1;
            v := v | ((b & 127)::bigint << sh);
            EXIT WHEN b < 128;
            sh := sh + 7;
        END LOOP;
        vals := array_append(vals, v);
    END LOOP;
    m := cardinality(vals);
    minute := 0;
    zone_id := 0;
    WHILE i <= m LOOP
        minute := minute + ((vals[i] >> 1) # -(vals[i] & 1));
        zone_id := zone_id + ((vals[i + 1] >> 1) # -(vals[i + 1] & 1));
        category := labels[vals[i + 2] + 1];
        method := labels[vals[i + 3] + 1];
        mask := vals[i + 4];
        i := i + 5;
        f := '{0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}';
        FOR j IN 1..19 LOOP
            IF mask & (1::bigint << (j - 1)) <> 0 THEN
                f[j] := vals[i];
                i := i + 1;
            END IF;
        END LOOP;
        detections := f[1]; events := f[2];
        est_loss := kpi_cents(f[3]);
        recovered_value := kpi_cents(f[4]);
        concealed_value := kpi_cents(f[5]);
        recovered := f[6]; lost := f[7]; false_positive := f[8]; open := f[9]; paid := f[10]; nudged_paid := f[11];
        blocked_recovered := f[12]; intervened_recovered := f[13]; unresolved := f[14]; interventions := f[15];
        responded := f[16]; confirmed := f[17];
        open_value := kpi_cents(f[18]);
        paid_value := kpi_cents(f[19]);
        response := '{}';
        IF mask & (1::bigint << 19) <> 0 THEN
            cnt := vals[i];
            i := i + 1;
            bk := 0;
            FOR j IN 1..cnt LOOP
                bk := bk + vals[i];
                response := array_append(response, (bk << 32) | vals[i + 1]);
                i := i + 2;
            END LOOP;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
-- +goose StatementEnd

CREATE TABLE kpi_method_hours (
    store_id   bigint NOT NULL,
    local_date date NOT NULL,
    labels     text[] NOT NULL,
    cells      bytea NOT NULL,
    PRIMARY KEY (store_id, local_date)
);
-- Estate-wide cuts over hours select days across stores.
CREATE INDEX kpi_method_hours_date ON kpi_method_hours (local_date);

-- Filled from the rows before it, not by a refresh: the hours of weeks whose facts retention
-- purged keep their figures. The same statement packs a refresh's days (kpi/method_hours.go).
INSERT INTO kpi_method_hours (store_id, local_date, labels, cells)
WITH c AS MATERIALIZED (
    SELECT store_id, local_date, (extract(epoch FROM hour)::bigint / 60 - (local_date - date '1970-01-01') * 1440)::int AS minute,
        zone_id, category, method,
        ARRAY[detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid,
            nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, confirmed,
            open_value, paid_value]::numeric[] AS figs,
        response
    FROM kpi_method_hourly),
l AS (SELECT store_id, local_date, array_agg(DISTINCT x ORDER BY x) AS labels FROM c, unnest(ARRAY[c.category, c.method]) x GROUP BY 1, 2)
SELECT store_id, local_date, labels, string_agg(cell, ''::bytea ORDER BY minute, zone_id, category, method)
FROM (
    SELECT c.store_id, c.local_date, l.labels, c.minute, c.zone_id, c.category, c.method,
        kpi_method_cell(c.minute - lag(c.minute, 1, 0) OVER w, c.zone_id - lag(c.zone_id, 1, 0::bigint) OVER w,
            array_position(l.labels, c.category) - 1, array_position(l.labels, c.method) - 1, c.figs, c.response) AS cell
    FROM c JOIN l USING (store_id, local_date)
    WINDOW w AS (PARTITION BY c.store_id, c.local_date ORDER BY c.minute, c.zone_id, c.category, c.method)) p
GROUP BY store_id, local_date, labels;

DROP TABLE kpi_method_hourly;

-- The cells as rows again, for readers: what kpi_method_hourly held. Conditions on store_id and
-- local_date select the days to unpack; readers of hours bound the local dates (a day either side
-- of the UTC dates) so that only those days are unpacked. The join to stores is only made when
-- how is read.
CREATE VIEW kpi_method_hourly AS
SELECT t.store_id, c.zone_id, c.category, h.hour, t.local_date,
    ((extract(isodow FROM t.local_date)::int - 1) * 24 + extract(hour FROM h.hour AT TIME ZONE s.timezone)::int)::smallint AS how,
    c.detections, c.events, c.est_loss, c.recovered_value, c.concealed_value, c.recovered, c.lost, c.false_positive, c.open,
    c.paid, c.nudged_paid, c.blocked_recovered, c.intervened_recovered, c.unresolved, c.interventions, c.responded,
    c.response, c.method, c.confirmed, c.open_value, c.paid_value
FROM kpi_method_hours t
CROSS JOIN LATERAL kpi_method_cells(t.cells, t.labels) c
CROSS JOIN LATERAL (SELECT 'epoch'::timestamptz + ((t.local_date - date '1970-01-01') * 1440 + c.minute) * interval '1 minute' AS hour) h
LEFT JOIN stores s ON s.id = t.store_id;

-- +goose Down
DROP VIEW kpi_method_hourly;
CREATE TABLE kpi_method_hourly (
    store_id             bigint NOT NULL,
    zone_id              bigint NOT NULL,
    category             text NOT NULL,
    hour                 timestamptz NOT NULL,
    local_date           date NOT NULL,
    how                  smallint NOT NULL,
    detections           int NOT NULL,
    events               int NOT NULL,
    est_loss             numeric NOT NULL,
    recovered_value      numeric NOT NULL,
    concealed_value      numeric NOT NULL,
    recovered            int NOT NULL,
    lost                 int NOT NULL,
    false_positive       int NOT NULL,
    open                 int NOT NULL,
    paid                 int NOT NULL,
    nudged_paid          int NOT NULL,
    blocked_recovered    int NOT NULL,
    intervened_recovered int NOT NULL,
    unresolved           int NOT NULL,
    interventions        int NOT NULL,
    responded            int NOT NULL,
    response             bigint[] NOT NULL DEFAULT '{}',
    method               text NOT NULL DEFAULT 'unknown',
    confirmed            int NOT NULL DEFAULT 0,
    open_value           numeric NOT NULL DEFAULT 0,
    paid_value           numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, hour, zone_id, category, method)
);
CREATE INDEX kpi_method_hourly_day ON kpi_method_hourly (store_id, local_date);
INSERT INTO kpi_method_hourly (store_id, zone_id, category, hour, local_date, how, detections, events, est_loss, recovered_value,
    concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved,
    interventions, responded, response, method, confirmed, open_value, paid_value)
SELECT t.store_id, c.zone_id, c.category, h.hour, t.local_date,
    ((extract(isodow FROM t.local_date)::int - 1) * 24 + extract(hour FROM h.hour AT TIME ZONE s.timezone)::int)::smallint,
    c.detections, c.events, c.est_loss, c.recovered_value, c.concealed_value, c.recovered, c.lost, c.false_positive, c.open,
    c.paid, c.nudged_paid, c.blocked_recovered, c.intervened_recovered, c.unresolved, c.interventions, c.responded,
    c.response, c.method, c.confirmed, c.open_value, c.paid_value
FROM kpi_method_hours t JOIN stores s ON s.id = t.store_id
CROSS JOIN LATERAL kpi_method_cells(t.cells, t.labels) c
CROSS JOIN LATERAL (SELECT 'epoch'::timestamptz + ((t.local_date - date '1970-01-01') * 1440 + c.minute) * interval '1 minute' AS hour) h;
DROP TABLE kpi_method_hours;
DROP FUNCTION kpi_method_cells(bytea, text[]);
DROP FUNCTION kpi_method_cell(int, bigint, int, int, numeric[], bigint[]);
DROP FUNCTION kpi_cents(bigint);
DROP FUNCTION kpi_zigzag(bigint);
DROP FUNCTION kpi_varint(bigint);
