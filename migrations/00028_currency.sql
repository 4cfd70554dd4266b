-- +goose Up
-- Every store has an ISO 4217 currency; its facts and figures are in it. Stores made before this
-- migration have none until the program that applied it adopts them into the configured default
-- (--default-currency): a migration cannot read the program's settings. Writes always set one.
ALTER TABLE stores ADD COLUMN currency text CHECK (currency ~ '^[A-Z]{3}$');

-- A store's own money settings for the segmentation, in its currency, each overriding the
-- configured default of its currency: {"soc": 9000, "operator_hourly": 18.5, ...}.
ALTER TABLE stores ADD COLUMN segment_costs jsonb NOT NULL DEFAULT '{}';

-- store_directory gains the currency (kpi converts estate and region figures with it).
CREATE OR REPLACE VIEW store_directory AS
SELECT id, code, region, timezone, currency FROM stores;
COMMENT ON VIEW store_directory IS
    'Owned by package layout: its published read interface to stores (id, code, region, timezone, currency). Other packages read stores through it, not the table.';

-- Exchange rates, owned by package kpi: one unit of currency in units of the reporting currency on
-- that day. The reporting currency is stored with each rate, so a change of --reporting-currency
-- never converts at rates quoted against another.
CREATE TABLE fx_rates (
    reporting  text NOT NULL CHECK (reporting ~ '^[A-Z]{3}$'),
    currency   text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    day        date NOT NULL,
    rate       numeric NOT NULL CHECK (rate > 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (reporting, currency, day)
);

-- +goose Down
DROP TABLE fx_rates;
DROP VIEW store_directory;
CREATE VIEW store_directory AS
SELECT id, code, region, timezone FROM stores;
COMMENT ON VIEW store_directory IS
    'Owned by package layout: its published read interface to stores (id, code, region, timezone). Other packages read stores through it, not the table.';
ALTER TABLE stores DROP COLUMN segment_costs;
ALTER TABLE stores DROP COLUMN currency;
