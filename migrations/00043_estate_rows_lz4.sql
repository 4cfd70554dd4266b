-- +goose Up
-- The estate rows (kpi_estate, kpi_estate_cuts) compressed with lz4. Their figures and sketches
-- were kept out of line uncompressed (STORAGE EXTERNAL, 00005 and 00039) so that reads pay no
-- decompression; measured at 2,000 stores × 91 days (docs/BENCHMARKS.md, "2,000 stores × 91 days,
-- after"), lz4 takes kpi_estate_cuts from 1,002 MB to 383 MB (73.6 to 28 bytes per event) with the
-- estate cuts' reads as fast as before (within the run-to-run spread), and compresses as fast as
-- the rows are written (the whole table in 2.9 s, where pglz took 57 s: pglz is not chosen).
-- A server built without lz4 keeps them as they were. The rows written before are rewritten here,
-- compressed.
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE kpi_estate ALTER COLUMN figures SET COMPRESSION lz4, ALTER COLUMN sketches SET COMPRESSION lz4,
        ALTER COLUMN figures SET STORAGE EXTENDED, ALTER COLUMN sketches SET STORAGE EXTENDED;
    ALTER TABLE kpi_estate_cuts ALTER COLUMN figures SET COMPRESSION lz4, ALTER COLUMN sketches SET COMPRESSION lz4,
        ALTER COLUMN figures SET STORAGE EXTENDED, ALTER COLUMN sketches SET STORAGE EXTENDED;
    -- A value is compressed when it is stored: concatenation makes each a new one.
    UPDATE kpi_estate SET figures = figures || ''::bytea, sketches = sketches || ''::bytea;
    UPDATE kpi_estate_cuts SET figures = figures || ''::bytea, sketches = sketches || ''::bytea;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server has no lz4: the estate rows stay uncompressed';
END $$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE kpi_estate ALTER COLUMN figures SET COMPRESSION default, ALTER COLUMN sketches SET COMPRESSION default,
    ALTER COLUMN figures SET STORAGE EXTERNAL, ALTER COLUMN sketches SET STORAGE EXTERNAL;
ALTER TABLE kpi_estate_cuts ALTER COLUMN figures SET COMPRESSION default, ALTER COLUMN sketches SET COMPRESSION default,
    ALTER COLUMN figures SET STORAGE EXTERNAL, ALTER COLUMN sketches SET STORAGE EXTERNAL;
UPDATE kpi_estate SET figures = figures || ''::bytea, sketches = sketches || ''::bytea;
UPDATE kpi_estate_cuts SET figures = figures || ''::bytea, sketches = sketches || ''::bytea;
