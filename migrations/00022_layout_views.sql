-- +goose Up
-- Package layout owns stores and zones. Other packages read them through these views, layout's
-- published read interface, which carry only the columns they need (kpi joins its rollups to store
-- codes, regions and time zones, and to zone codes). Each is a plain projection of one table, so
-- PostgreSQL inlines it: a query plans as it would on the table. A column layout changes or drops
-- in its tables changes here too, in the same migration.
CREATE VIEW store_directory AS
SELECT id, code, region, timezone FROM stores;
COMMENT ON VIEW store_directory IS
    'Owned by package layout: its published read interface to stores (id, code, region, timezone). Other packages read stores through it, not the table.';

CREATE VIEW zone_directory AS
SELECT id, store_id, code FROM zones;
COMMENT ON VIEW zone_directory IS
    'Owned by package layout: its published read interface to zones (id, store_id, code). Other packages read zones through it, not the table.';

-- +goose Down
DROP VIEW zone_directory;
DROP VIEW store_directory;
