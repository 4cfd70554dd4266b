-- +goose Up
-- The scope each week's findings were judged under (findings/, --findings-fdr-scope): 'estate',
-- one false discovery control over every store's series (what every week judged before this had),
-- or 'store', the control run within each store.
ALTER TABLE findings_weeks ADD COLUMN fdr_scope text NOT NULL DEFAULT 'estate' CHECK (fdr_scope IN ('estate', 'store'));

-- +goose Down
ALTER TABLE findings_weeks DROP COLUMN fdr_scope;
