-- +goose Up
-- The estate's cut rows (kpi_estate_cuts) compressed with lz4. Their figures and sketches were
-- kept out of line uncompressed (STORAGE EXTERNAL, 00039) so that reads pay no decompression;
-- measured at 2,000 stores × 91 days (docs/BENCHMARKS.md, "2,000 stores × 91 days, after"), lz4
-- takes the table from 1,002 MB to 379 MB (73.6 to 29.5 bytes per event) with the estate cuts'
-- reads as fast as before (within the run-to-run spread), and compresses as fast as the rows are
-- written (the whole table in 2.9 s, where pglz took 57 s: pglz is not chosen). kpi_estate stays
-- uncompressed: its rows hold every store, each read decompresses megabytes, and the estate's
-- by=estate, day and week reads were 4–15 ms slower with lz4 for 2 bytes per event saved.
-- A server built without lz4 keeps the cut rows as they were. The rows written before are
-- rewritten here, compressed.
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE kpi_estate_cuts ALTER COLUMN figures SET COMPRESSION lz4, ALTER COLUMN sketches SET COMPRESSION lz4,
        ALTER COLUMN figures SET STORAGE EXTENDED, ALTER COLUMN sketches SET STORAGE EXTENDED;
    -- A value is compressed when it is stored: concatenation makes each a new one.
    UPDATE kpi_estate_cuts SET figures = figures || ''::bytea, sketches = sketches || ''::bytea;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server has no lz4: the estate cut rows stay uncompressed';
END $$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE kpi_estate_cuts ALTER COLUMN figures SET COMPRESSION default, ALTER COLUMN sketches SET COMPRESSION default,
    ALTER COLUMN figures SET STORAGE EXTERNAL, ALTER COLUMN sketches SET STORAGE EXTERNAL;
UPDATE kpi_estate_cuts SET figures = figures || ''::bytea, sketches = sketches || ''::bytea;
