"""The PostGIS catalog store: a team's layers in one PostgreSQL database.

Chosen by a ``postgresql://user:password@host:port/db[?schema=name]`` URL in ``--catalog``
or ``REGIONMAP_CATALOG``. The built-in layers (the repository's folder) stay where they
are; the database takes the place of the user folder, and its layers shadow built-in ones
with the same id, as a user folder's do.

Every write is one transaction under a per-id advisory lock: a failed or killed add leaves
nothing, concurrent adds of one id give one layer and "already exists" for the rest, and
``--force`` replaces a layer in the same transaction, so readers see the old one or the new
one. Reads of a frame filter on the GiST index (``geom && envelope``).

Database errors become one-line :class:`StoreError` messages that name the host, database
and user but never the password.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import orjson
import psycopg
import yaml
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool

from regionmap.catalog import META_SUFFIX, ROOT, Catalog, Layer, LayerEntry, load_entry
from regionmap.geojson import Limits
from regionmap.pg_schema import LATEST, MIGRATIONS
from regionmap.problems import CatalogError, LayerExistsError, Problem
from regionmap.schema import LayerMeta
from regionmap.stores import LayerFiles, data_file, write_files

DEFAULT_SCHEMA = "regionmap"
CONNECT_TIMEOUT_S = 5
BBox = Sequence[float]


class StoreError(CatalogError):
    """The catalog database cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class Target:
    """Where a PostGIS catalog lives, parsed from its URL."""

    url: str
    conninfo: str
    schema: str
    user: str
    password: str
    host: str
    port: int
    dbname: str
    options: str = ""
    """libpq ``options``: the catalog schema on the search path, then the URL's own."""

    @property
    def redacted(self) -> str:
        """The URL without its password, for messages."""
        user = f"{self.user}@" if self.user else ""
        schema = f"?schema={self.schema}" if self.schema != DEFAULT_SCHEMA else ""
        return f"postgresql://{user}{self.host}:{self.port}/{self.dbname}{schema}"

    def scrub(self, text: str) -> str:
        """Remove the password from a text (in case a driver message ever repeats it)."""
        for secret in {self.password, self.url}:
            if secret:
                text = text.replace(secret, "***")
        return text


def parse_target(url: str) -> Target:
    """Parse a catalog URL; the ``schema`` query parameter is ours, the rest go to libpq."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), DEFAULT_SCHEMA)
    rest = [(k, v) for k, v in query if k not in ("schema", "options")]
    given = " ".join(v for k, v in query if k == "options")
    if not schema.isidentifier() or schema != schema.lower() or len(schema) > 63:
        raise StoreError(
            f"the catalog schema {schema!r} is not a plain lower-case name; "
            "use letters, digits and underscores, e.g. ?schema=team_maps"
        )
    try:
        port = parts.port or 5432
    except ValueError:
        raise StoreError("the catalog URL has a port that is not a number") from None
    dbname = unquote(parts.path.lstrip("/")) or unquote(parts.username or "") or "postgres"
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(rest), ""))
    return Target(
        url=url,
        conninfo=conninfo,
        schema=schema,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        host=parts.hostname or "localhost",
        port=port,
        dbname=dbname,
        options=f"-c search_path={schema},public {given}".strip(),
    )


def _message(exc: psycopg.Error, target: Target, writing: bool) -> str:
    """One line for a database error: what happened, and the fix."""
    text = target.scrub(str(exc)).strip()
    low = text.lower()
    where = f"{target.host}:{target.port}"
    state = getattr(exc, "sqlstate", None)
    if state == "25006" or "read-only transaction" in low:
        return (
            f"the catalog {target.redacted} is read-only here (a replica or a read-only "
            "transaction). Fix: add layers through the primary server's URL."
        )
    if state == "42501" or "permission denied" in low:
        if writing:
            return (
                f"the role {target.user!r} may not write to the catalog {target.redacted} "
                "(permission denied). Fix: use a role with INSERT, UPDATE and DELETE on the "
                f"tables of schema {target.schema!r}, or ask the database owner for them."
            )
        return (
            f"the role {target.user!r} may not read the catalog {target.redacted} "
            f"(permission denied). Fix: grant it USAGE on schema {target.schema!r} and "
            "SELECT on its tables."
        )
    if "password authentication failed" in low or state in ("28P01", "28000"):
        return (
            f"the database server at {where} refused the login of user {target.user!r} "
            "(wrong user name or password). Fix: check the credentials in the catalog URL."
        )
    if "does not exist" in low and "database" in low:
        return (
            f"the database {target.dbname!r} does not exist on {where}. Fix: create it "
            f"(createdb {target.dbname}) or correct the catalog URL."
        )
    if any(
        s in low
        for s in ("connection refused", "timeout expired", "resolve host", "translate host")
    ) or isinstance(exc, psycopg.OperationalError):
        reason = (
            "connection refused"
            if "refused" in low
            else "host not found"
            if "host" in low and ("resolve" in low or "translate" in low)
            else "timed out"
            if "timeout" in low
            else text.splitlines()[0][:160]
        )
        return (
            f"cannot reach the catalog database at {where} ({reason}). Fix: check the host "
            "and port in the catalog URL and that PostgreSQL is running there."
        )
    first = text.splitlines()[0][:200] if text else type(exc).__name__
    return f"the catalog database {target.redacted} failed: {first}"


@contextlib.contextmanager
def _translated(target: Target, writing: bool = False) -> Iterator[None]:
    """Turn driver and pool errors into a one-line StoreError (a duplicate id passes)."""
    from psycopg_pool import PoolTimeout

    try:
        yield
    except pg_errors.UniqueViolation:
        raise
    except PoolTimeout:
        raise StoreError(
            f"no connection to the catalog database at {target.host}:{target.port} came "
            "free in time. Fix: check that PostgreSQL is running and not out of connections."
        ) from None
    except psycopg.Error as exc:
        raise StoreError(_message(exc, target, writing)) from None


def _connect(target: Target) -> psycopg.Connection:
    """One connection with the catalog schema first on the search path."""
    return psycopg.connect(
        target.conninfo,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name="regionmap",
        options=target.options,
    )


def migrate(target: Target, *, create: bool = True) -> int:
    """Bring the catalog's tables to the latest schema version; return the version found.

    Checks PostGIS first, refuses a schema newer than this regionmap, and runs the missing
    migrations in one transaction under an advisory lock, so two first uses at once are
    safe. With ``create=False`` nothing is created (a read of a missing catalog is empty).
    """
    with _translated(target), _connect(target) as conn:
        found = _schema_version(conn, target, create)
        if found == LATEST or (found == 0 and not create):
            return found
        # A session lock taken outside the transaction: the transaction then starts after
        # any other migration committed, so it sees that one's tables.
        conn.execute("SELECT pg_advisory_lock(hashtext('regionmap-migrate'))")
        try:
            with _translated(target, writing=True), conn.transaction():
                found = _schema_version(conn, target, create)
                if found == 0:
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{target.schema}"')
                for version in range(found + 1, LATEST + 1):
                    conn.execute(MIGRATIONS[version - 1])
                    conn.execute("INSERT INTO regionmap_schema (version) VALUES (%s)", [version])
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext('regionmap-migrate'))")
        return found


def _schema_version(conn: psycopg.Connection, target: Target, create: bool = False) -> int:
    """The catalog's schema version (0 when it has none); refuses a newer one."""
    table = conn.execute(
        "SELECT to_regclass(%s)", [f'"{target.schema}".regionmap_schema']
    ).fetchone()
    if table is None or table[0] is None:
        _ensure_postgis(conn, target, create=create)
        return 0
    version = conn.execute("SELECT coalesce(max(version), 0) FROM regionmap_schema").fetchone()[0]
    if version > LATEST:
        raise StoreError(
            f"the catalog {target.redacted} has schema version {version}, newer than this "
            f"regionmap understands (version {LATEST}). Fix: upgrade regionmap "
            "(pip install -U regionmap) on this machine."
        )
    return version


def _ensure_postgis(conn: psycopg.Connection, target: Target, create: bool = True) -> None:
    """Check that PostGIS is installed in the database; try to create it when allowed."""
    row = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
    if row is not None:
        return
    if create:
        try:
            with conn.transaction():  # a savepoint: a refusal must not end the migration
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            return
        except psycopg.Error:
            pass
    raise StoreError(
        f"the database {target.dbname!r} at {target.host}:{target.port} has no PostGIS "
        "extension. Fix: as a superuser run CREATE EXTENSION postgis; in that database "
        "(on Debian install postgresql-15-postgis-3 first)."
    )


_POOLS: dict[tuple[str, str], ConnectionPool] = {}
_POOLS_LOCK = threading.Lock()
_READY: set[tuple[str, str]] = set()
"""Catalogs whose schema this process has checked (and migrated)."""


def _pool(target: Target) -> ConnectionPool:
    """A process-wide connection pool per database and schema (app servers reuse it)."""
    key = (target.conninfo, target.schema)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = ConnectionPool(
                target.conninfo,
                min_size=1,
                max_size=8,
                timeout=15,
                name="regionmap",
                kwargs={
                    "connect_timeout": CONNECT_TIMEOUT_S,
                    "application_name": "regionmap",
                    "options": target.options,
                },
                open=True,
            )
            _POOLS[key] = pool
        return pool


@atexit.register
def _close_pools() -> None:
    for pool in list(_POOLS.values()):
        with contextlib.suppress(Exception):
            pool.close(timeout=1)
    _POOLS.clear()


@dataclass(frozen=True)
class TableEntry(LayerEntry):
    """A layer held in the database (``meta_path`` is its folder-catalog name)."""


@dataclass
class TableAddResult:
    """What ``add`` wrote to the database, and the warnings that came with it."""

    layer_id: str
    location: str
    feature_count: int
    warnings: list[Problem]

    def summary(self) -> str:
        """The line ``regionmap add`` prints."""
        return (
            f"Added layer {self.layer_id!r}: {self.feature_count} features, "
            f"{len(self.warnings)} warning(s). Wrote it to the catalog {self.location} "
            "(tables layers, layer_sources, layer_files, features)."
        )


class PostgisCatalog:
    """A catalog whose layers live in a PostGIS database (plus the built-in folder).

    It has the methods of :class:`regionmap.catalog.Catalog` that the commands and the app
    use, and ``load`` also takes a ``bbox`` that the database answers from its index.

    Parameters
    ----------
    url : str
        ``postgresql://user:password@host:port/db``, optionally ``?schema=name``.
    root : Path
        The built-in catalog folder.
    create : bool
        Create the tables on first use (a reader without rights sees an empty catalog).
    """

    kind = "postgis"

    def __init__(self, url: str, root: Path = ROOT, *, create: bool = True) -> None:
        self.target = parse_target(url)
        # An empty string, not None: None would read REGIONMAP_CATALOG, which is this URL.
        self.builtin = Catalog("", root=root)
        self.root = self.builtin.root
        self.user_dir = None
        key = (self.target.conninfo, self.target.schema)
        # Checked once per process: app reruns and cached loads reopen the catalog often.
        if key not in _READY:
            if migrate(self.target, create=create) == 0 and not create:
                self.initialised = False
                return
            _READY.add(key)
        self.initialised = True

    # --- what the commands and the app read -------------------------------------------
    @property
    def spec(self) -> str:
        """What reopens this catalog with ``open_catalog`` (it holds the password)."""
        return self.target.url

    @property
    def location(self) -> str:
        """The catalog for messages: the URL without its password."""
        return self.target.redacted

    write_dir = location
    folders = property(lambda self: [self.root])

    @contextlib.contextmanager
    def _conn(self, writing: bool = False) -> Iterator[psycopg.Connection]:
        with _translated(self.target, writing), _pool(self.target).connection() as conn:
            yield conn

    def _table_ids(self) -> list[str]:
        if not self.initialised:
            return []
        with self._conn() as conn:
            return [row[0] for row in conn.execute("SELECT id FROM layers ORDER BY id")]

    def _table_entry(self, layer_id: str) -> TableEntry:
        return TableEntry(layer_id, Path("layers") / f"{layer_id}{META_SUFFIX}", Path("."))

    def entries(self) -> list[LayerEntry]:
        """The built-in layers, then the database's, each group sorted by id."""
        return self.builtin.entries() + [self._table_entry(i) for i in self._table_ids()]

    def ids(self) -> list[str]:
        """The ids of every layer (a database layer shadows a built-in one)."""
        return [entry.id for entry in self.entries()]

    def own_ids(self) -> list[str]:
        """The ids of the layers in the database itself (what ``catalog copy`` copies)."""
        return self._table_ids()

    def entry(self, layer_id: str) -> LayerEntry | None:
        """The entry of one layer, or None; the database's shadows a built-in one."""
        if self.initialised:
            with self._conn() as conn:
                found = conn.execute("SELECT 1 FROM layers WHERE id = %s", [layer_id]).fetchone()
            if found:
                return self._table_entry(layer_id)
        return self.builtin.entry(layer_id)

    def stamp(self, layer_id: str) -> tuple:
        """A cache key that changes whenever the layer is written (its generation)."""
        if not self.initialised:
            return self.builtin_stamp(layer_id)
        with self._conn() as conn:
            row = conn.execute("SELECT generation FROM layers WHERE id = %s", [layer_id]).fetchone()
        return (("postgis", layer_id, row[0]),) if row else self.builtin_stamp(layer_id)

    def builtin_stamp(self, layer_id: str) -> tuple:
        """The cache key of a built-in (folder) layer."""
        from regionmap.stores import folder_stamp

        return folder_stamp(self.builtin, layer_id)

    def load(
        self,
        layer_id: str,
        *,
        resolution: str | None = None,
        fix: bool = False,
        bbox: BBox | None = None,
    ) -> Layer:
        """Load one layer; with ``bbox`` only the features whose bounds meet it.

        Database layers were validated when written, so they are read straight from the
        ``features`` table (``fix`` re-runs the full check on the stored file instead).
        """
        entry = self.entry(layer_id)
        if not isinstance(entry, TableEntry):
            from regionmap.stores import filter_bbox

            layer = self.builtin.load(layer_id, resolution=resolution, fix=fix)
            return filter_bbox(layer, bbox)
        if fix:
            from regionmap.stores import filter_bbox

            return filter_bbox(self.load_entry(entry, resolution=resolution, fix=True), bbox)
        return self._read(entry, resolution, bbox)

    def _read(self, entry: TableEntry, resolution: str | None, bbox: BBox | None) -> Layer:
        with self._conn() as conn, conn.transaction():
            row = conn.execute(
                "SELECT meta_yaml, load_problems FROM layers WHERE id = %s", [entry.id]
            ).fetchone()
            if row is None:  # removed since the entry was listed
                return self.builtin.load(entry.id)
            meta = LayerMeta.model_validate(yaml.safe_load(row[0]))
            relative = meta.resolutions.get(resolution, meta.data) if resolution else meta.data
            where, params = "layer_id = %s AND file = %s", [entry.id, data_file(relative)]
            if bbox is not None:
                west, south, east, north = (float(v) for v in bbox)
                where += " AND geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
                params += [west, south, east, north]
            # One text from the server and one parse: far faster than a row per feature.
            text = conn.execute(
                f"SELECT string_agg(feature::text, ',' ORDER BY idx) FROM features WHERE {where}",
                params,
            ).fetchone()[0]
        features = orjson.loads(f"[{text or ''}]")
        problems = [Problem(**p) for p in row[1]]
        layer = Layer(entry, meta, problems, {"type": "FeatureCollection", "features": features})
        return layer

    def load_all(self) -> list[Layer]:
        """Load every layer (each on its own)."""
        return [self.load_entry(entry) for entry in self.entries()]

    def load_entry(
        self,
        entry: LayerEntry,
        *,
        resolution: str | None = None,
        fix: bool = False,
        limits: Limits | None = None,
    ) -> Layer:
        """Load and fully check one entry, exactly as the folder store does.

        A database layer's stored files are put in a temporary folder catalog and checked
        there by :func:`regionmap.catalog.load_entry`, so ``validate`` gives the same
        report, word for word, for a layer in either store.
        """
        if not isinstance(entry, TableEntry):
            return load_entry(entry, resolution=resolution, fix=fix, limits=limits)
        stored = self.read_files(entry.id)
        if stored is None:
            return self.builtin.load(entry.id)
        with tempfile.TemporaryDirectory(prefix="regionmap-check-") as tmp:
            folder = Path(tmp)
            write_files(folder, stored)
            meta_path = folder / "layers" / f"{entry.id}{META_SUFFIX}"
            layer = load_entry(
                LayerEntry(entry.id, meta_path, folder.resolve()),
                resolution=resolution,
                fix=fix,
                limits=limits,
            )
        layer.entry, layer.data_path = entry, None
        return layer

    def load_meta(self, entry: LayerEntry) -> tuple[LayerMeta | None, list[Problem]]:
        """The metadata of one entry, and its problems (as the folder store's load_meta)."""
        from regionmap.catalog import load_meta

        if not isinstance(entry, TableEntry):
            return load_meta(entry)
        layer = self.load_entry(entry)
        return layer.meta, [p for p in layer.problems if p.file.startswith("layers/")]

    def read_files(self, layer_id: str) -> LayerFiles | None:
        """The layer as the files a folder catalog holds, byte for byte."""
        with self._conn() as conn, conn.transaction():
            row = conn.execute("SELECT meta_yaml FROM layers WHERE id = %s", [layer_id]).fetchone()
            if row is None:
                return None
            files = conn.execute(
                "SELECT path, content FROM layer_files WHERE layer_id = %s", [layer_id]
            ).fetchall()
        return LayerFiles(layer_id, row[0], {path: bytes(content) for path, content in files})

    # --- writes -------------------------------------------------------------------------
    def add(
        self,
        source: str | Path,
        new: Any,
        *,
        force: bool = False,
        fix: bool = False,
        limits: Limits | None = None,
        progress: Callable[[int, int], None] | None = None,
        display_name: str | None = None,
        face: str = "cli",
        options: Any = None,
        mapping: Any = None,
        tiles: bool | None = None,
        tile_progress: Any = None,
    ) -> TableAddResult:
        """Validate a GeoJSON file and add it as a layer, in one transaction.

        The checks and messages are those of :func:`regionmap.store.add_layer`. This store
        keeps no vector tiles yet: its big layers are drawn as binned vectors, and asking
        for tiles (``tiles=True``) is refused before anything is read.

        Raises
        ------
        InvalidLayerError
            With every problem, when the file or the metadata has an error.
        LayerExistsError
            When the id is taken and ``force`` is not set.
        StoreError
            When the database cannot be reached or written.
        """
        from regionmap.catalog import check_citations
        from regionmap.stores import checked_new_layer

        if tiles:
            raise StoreError(
                f"{self.location}: the PostGIS store keeps no vector tiles yet; add the layer "
                "without --tiles (it is drawn as binned vectors), or to a folder catalog"
            )
        if not force:
            self._refuse_existing(new.id, face)
        result, meta_dict = checked_new_layer(
            source,
            new,
            fix=fix,
            limits=limits,
            progress=progress,
            display_name=display_name,
            options=options,
            mapping=mapping,
        )
        meta_yaml = yaml.safe_dump(meta_dict, sort_keys=False, allow_unicode=True)
        path = data_file(meta_dict["data"])
        assert result.collection is not None
        data = orjson.dumps(result.collection) + b"\n"
        # What a folder load of the written file would report every time (not the add's
        # one-off repairs): the citation checks.
        meta = LayerMeta.model_validate(meta_dict)
        kept = check_citations(meta, result, path)
        self.write_layer(
            LayerFiles(new.id, meta_yaml, {path: data}),
            {path: result.collection},
            kept,
            force=force,
        )
        return TableAddResult(new.id, self.location, result.feature_count, result.problems)

    def _refuse_existing(self, layer_id: str, face: str = "cli") -> None:
        if self.entry(layer_id) is not None:
            hint = (
                "choose another layer id"
                if face == "app"
                else "use --force to replace it, or choose another --id"
            )
            raise LayerExistsError(
                f"a layer with id {layer_id!r} already exists (in {self.location}); {hint}"
            )

    def write_layer(
        self,
        stored: LayerFiles,
        collections: dict[str, dict],
        problems: list[Problem],
        *,
        force: bool = False,
    ) -> None:
        """Write one layer (metadata, sources, files, features) in one transaction."""
        layer_id = stored.layer_id
        raw = yaml.safe_load(stored.meta_yaml)
        meta = LayerMeta.model_validate(raw)
        count = len(next(iter(collections.values()))["features"]) if collections else 0
        if data_file(meta.data) in collections:
            count = len(collections[data_file(meta.data)]["features"])
        try:
            with self._conn(writing=True) as conn, conn.transaction():
                conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    [f"regionmap.layer:{layer_id}"],
                )
                exists = conn.execute("SELECT 1 FROM layers WHERE id = %s", [layer_id]).fetchone()
                if exists and not force:
                    raise LayerExistsError(
                        f"a layer with id {layer_id!r} already exists (in {self.location}); "
                        "use --force to replace it, or choose another --id"
                    )
                if exists:
                    conn.execute("DELETE FROM layers WHERE id = %s", [layer_id])
                conn.execute(
                    "INSERT INTO layers (id, title, license, meta, meta_yaml, load_problems,"
                    " feature_count) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [
                        layer_id,
                        meta.title,
                        meta.license,
                        orjson.dumps(raw, default=str).decode(),
                        stored.meta_yaml,
                        orjson.dumps([dataclasses.asdict(p) for p in problems]).decode(),
                        count,
                    ],
                )
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO layer_sources (layer_id, position, key, title, publisher,"
                        " url, published, accessed) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        [
                            (
                                layer_id,
                                i,
                                s.key,
                                s.title,
                                s.publisher,
                                str(s.url),
                                str(s.published) if s.published else None,
                                str(s.accessed),
                            )
                            for i, s in enumerate(meta.sources)
                        ],
                    )
                    cur.executemany(
                        "INSERT INTO layer_files (layer_id, path, content, sha256)"
                        " VALUES (%s, %s, %s, %s)",
                        [
                            (layer_id, p, content, hashlib.sha256(content).hexdigest())
                            for p, content in stored.files.items()
                        ],
                    )
                    for path, collection in collections.items():
                        _copy_features(cur, layer_id, path, collection["features"])
        except pg_errors.UniqueViolation:
            raise LayerExistsError(
                f"a layer with id {layer_id!r} already exists (in {self.location}); use "
                "--force to replace it, or choose another --id"
            ) from None

    def close(self) -> None:
        """Nothing to do: pools are per process and closed at exit."""


def _copy_features(cur: psycopg.Cursor, layer_id: str, path: str, features: list) -> None:
    """Stream the features into the table with COPY (text format, escaped by hand).

    Geometries go in as hex EWKB made by shapely (GEOS), which is several times faster
    than having the server parse GeoJSON for big polygons.
    """
    import numpy as np
    import shapely

    prefix = f"{layer_id}\t{path}\t"
    step, NULL = 5000, "\\N"
    with cur.copy("COPY features (layer_id, file, idx, feature, geom) FROM STDIN") as copy:
        for start in range(0, len(features), step):
            part = features[start : start + step]
            texts = [orjson.dumps(f["geometry"]) if f.get("geometry") else None for f in part]
            geoms = shapely.from_geojson(np.array(texts, dtype=object))
            wkb = [_ewkb_4326(h) for h in shapely.to_wkb(geoms, hex=True, byte_order=1)]
            lines = []
            for offset, (feature, geom) in enumerate(zip(part, wkb, strict=True)):
                # orjson escapes control characters, so only the backslash needs doubling.
                text = orjson.dumps(feature).decode().replace("\\", "\\\\")
                lines.append(f"{prefix}{start + offset}\t{text}\t{geom or NULL}\n")
            copy.write("".join(lines))


def _ewkb_4326(wkb: str | None) -> str | None:
    """Little-endian hex WKB as PostGIS EWKB with SRID 4326 (flag bit, then the SRID).

    shapely's own ``set_srid`` costs more than the rest of the COPY for points.
    """
    if wkb is None:
        return None
    return f"{wkb[:8]}{int(wkb[8:10], 16) | 0x20:02X}E6100000{wkb[10:]}"
