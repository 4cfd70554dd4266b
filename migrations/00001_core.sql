-- +goose Up
-- Stores, their zones and layout versions, cameras: the estate's master data.
CREATE TABLE stores (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code              text NOT NULL UNIQUE,
    name              text NOT NULL,
    region            text NOT NULL DEFAULT '',
    timezone          text NOT NULL,
    opening_hours     jsonb NOT NULL,
    urban_density     double precision NOT NULL DEFAULT 1,
    theft_index       double precision NOT NULL DEFAULT 1,
    staffing_capacity double precision NOT NULL DEFAULT 1,
    operating_model   text NOT NULL CHECK (operating_model IN ('soc', 'checkout', 'detection')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- A layout version is one accepted planogram (the full zone set) of a store;
-- every event is attributed to the version in force when it occurred.
CREATE TABLE layout_versions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id       bigint NOT NULL REFERENCES stores (id),
    version        int NOT NULL,
    effective_from timestamptz NOT NULL,
    features       jsonb NOT NULL,
    note           text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, version)
);
CREATE INDEX layout_versions_store_from ON layout_versions (store_id, effective_from);

-- Zones keep their id across versions; a zone dropped from the layout is retired, never deleted,
-- because events refer to it.
CREATE TABLE zones (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id    bigint NOT NULL REFERENCES stores (id),
    code        text NOT NULL,
    name        text NOT NULL,
    kind        text NOT NULL,
    category    text NOT NULL,
    unit_value  numeric(12, 2) NOT NULL,
    geometry    jsonb NOT NULL,
    area_m2     double precision NOT NULL,
    retired_at  timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, code)
);

CREATE TABLE cameras (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id   bigint NOT NULL REFERENCES stores (id),
    code       text NOT NULL,
    name       text NOT NULL DEFAULT '',
    homography jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, code)
);

-- +goose Down
DROP TABLE cameras;
DROP TABLE zones;
DROP TABLE layout_versions;
DROP TABLE stores;
