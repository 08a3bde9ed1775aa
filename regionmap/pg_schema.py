"""The PostGIS catalog's tables, as numbered migrations.

Each migration runs once, in order, inside one transaction with the number it brings the
schema to recorded in ``regionmap_schema``. A catalog whose recorded number is higher than
the last one here was written by a newer regionmap, and is refused rather than guessed at.

Tables (all in the catalog's schema, ``regionmap`` by default):

``layers``
    One row per layer: the metadata as JSONB (for queries) and as the exact YAML text the
    folder store writes (so copies are byte-identical), plus ``generation``, a number that
    changes on every write and keys the app's caches.
``layer_sources``
    The bibliography, one row per source of a layer.
``layer_files``
    The exact GeoJSON bytes of each of a layer's files (``data`` and each resolution), under
    the path they have in a folder catalog (``data/<id>.geojson``); what ``catalog copy``
    writes back.
``features``
    One row per feature of each file: the normalised feature as JSON (key order kept) and
    its geometry in a ``geometry(Geometry, 4326)`` column (NULL for a null geometry), with a
    GiST index for ``&&``.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the first layout.
    """
    CREATE TABLE regionmap_schema (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE SEQUENCE layer_generation;
    CREATE TABLE layers (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) <= 64),
        title text NOT NULL,
        license text NOT NULL,
        meta jsonb NOT NULL,
        meta_yaml text NOT NULL,
        load_problems jsonb NOT NULL DEFAULT '[]',
        feature_count integer NOT NULL,
        generation bigint NOT NULL DEFAULT nextval('layer_generation'),
        written_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE layer_sources (
        layer_id text NOT NULL REFERENCES layers ON DELETE CASCADE,
        position integer NOT NULL,
        key text NOT NULL,
        title text NOT NULL,
        publisher text,
        url text,
        published text,
        accessed text,
        PRIMARY KEY (layer_id, key)
    );
    CREATE TABLE layer_files (
        layer_id text NOT NULL REFERENCES layers ON DELETE CASCADE,
        path text NOT NULL,
        content bytea COMPRESSION lz4 NOT NULL,
        sha256 text NOT NULL,
        PRIMARY KEY (layer_id, path)
    );
    CREATE TABLE features (
        layer_id text NOT NULL REFERENCES layers ON DELETE CASCADE,
        file text NOT NULL,
        idx integer NOT NULL,
        feature json COMPRESSION lz4 NOT NULL,
        geom geometry(Geometry, 4326) COMPRESSION lz4,
        PRIMARY KEY (layer_id, file, idx)
    );
    CREATE INDEX features_geom ON features USING gist (geom);
    """,
]

LATEST = len(MIGRATIONS)
"""The schema number this regionmap writes and reads."""
