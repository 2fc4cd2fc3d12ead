"""Core statements run straight on the DBAPI connection, compiled once per dialect.

The refund commit is the till's hottest write (DESIGN.md §10): through ``Connection.execute``
each of its eleven statements cost ~25 µs of SQLAlchemy's execution machinery, and the
transaction and Session around them ~100 µs more, several times SQLite's own work. Here
SQLAlchemy still compiles every statement (once per dialect) and supplies each column type's
bind and result processors, so the rows written and read are the same values as through
SQLAlchemy; only the per-call machinery is skipped.

Kept from SQLAlchemy's execution, because the commit relies on it: the connection comes from
the engine's pool and goes back to it (pre-ping, limits, reset on return); a DBAPI error
comes out as the ``sqlalchemy.exc`` class SQLAlchemy would raise (``services.common.guarded``
words those), the pooled connection invalidated on a disconnect; the engine's
``before_cursor_execute`` listeners see each statement and the ``COMMIT`` (the fault and
crash tests stop the commit there), called with no ``Connection`` (there is none) and no
execution context. A COMMIT whose outcome is unknown (the connection broke after it was
sent) raises :class:`CommitOutcomeUnknown` instead of a ``DBAPIError``.
Not kept: the other execution events, echo logging, Python-side column defaults (a statement
that would need one is refused when it is compiled).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import Executable

Params = Mapping[str, object]


class Prepared:
    """A statement's SQL for one dialect, how to make its DBAPI parameters from a dict of
    bind values, and how to make its rows' values from the DBAPI's."""

    def __init__(self, stmt: Executable, dialect: Dialect) -> None:
        self.stmt = stmt  # kept alive: the cache knows it by its id
        compiled = stmt.compile(dialect=dialect)
        names = compiled.positiontup if compiled.positional else list(
            dict.fromkeys(compiled.bind_names.values()))
        binds = [compiled.binds[name] for name in names]
        if compiled.insert_prefetch or compiled.update_prefetch or any(
                b.callable for b in binds):
            raise ValueError("a prepared statement must give every column its value: "
                             f"Python-side defaults are not applied ({stmt})")
        self.sql = compiled.string
        self.dialect = dialect
        # A one-row INSERT's new id: SQLAlchemy's choice for the dialect, as for
        # ``inserted_primary_key``: cursor.lastrowid on SQLite, a RETURNING on PostgreSQL.
        self.lastrowid = compiled.postfetch_lastrowid
        # Values written into the statement (``values(last=1)``): the caller's override them.
        self._fixed = {n: b.value for n, b in zip(names, binds, strict=True) if not b.required}
        self._procs = [(i, proc) for i, bind in enumerate(binds) if (
            proc := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None]
        # qmark (SQLite): a tuple in ``positiontup`` order; pyformat (psycopg): a dict keyed
        # by the names as rendered in the SQL.
        self._keys = None if compiled.positional else [
            compiled.escaped_bind_names.get(name, name) for name in names]
        self._get = itemgetter(*names) if len(names) > 1 else (
            (lambda v, name=names[0]: (v[name],)) if names else (lambda v: ()))
        if self._keys is None and len(names) > 1 and not (self._fixed or self._procs):
            self.params = self._get  # the tuple itemgetter makes is all there is to do
        self._columns = (compiled.effective_returning if stmt.is_dml
                         else stmt.selected_columns)
        self._results: list | None = None  # made from the first cursor.description

    def params(self, values: Params) -> tuple | dict:
        out = self._get({**self._fixed, **values} if self._fixed else values)
        if self._procs:
            out = list(out)
            for i, proc in self._procs:
                out[i] = proc(out[i])
        return tuple(out) if self._keys is None else dict(zip(self._keys, out, strict=True))

    def rows(self, cursor) -> list[tuple]:
        rows = cursor.fetchall()
        procs = self._results
        if procs is None:
            dialect = self.dialect
            procs = self._results = [(i, proc) for i, (col, desc) in enumerate(zip(
                self._columns, cursor.description, strict=True)) if (
                proc := col.type.dialect_impl(dialect).result_processor(dialect, desc[1]))]
        if not procs:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for i, proc in procs:
                row[i] = proc(row[i])
            out.append(tuple(row))
        return out


# dialect name -> id(statement) -> Prepared. Statements are module-level constants, and a
# Prepared keeps its own alive, so an id is never reused for another statement.
_CACHE: dict[str, dict[int, Prepared]] = {}


def prepare(stmt: Executable, dialect: Dialect) -> Prepared:
    """``stmt`` compiled for ``dialect``, once."""
    cache = _CACHE.setdefault(dialect.name, {})
    p = cache.get(id(stmt))
    if p is None:
        p = cache[id(stmt)] = Prepared(stmt, dialect)
    return p


class CommitOutcomeUnknown(Exception):
    """COMMIT was sent and no answer came back (or the transaction ended some other way
    than by a refusal): the database may have stored it or not. ``error`` is the
    ``sqlalchemy.exc`` error that says what broke. Not a ``DBAPIError``: nothing may word
    it "nothing was changed"; the caller finds out by a key it stored in the transaction."""

    def __init__(self, error: DBAPIError) -> None:
        super().__init__(f"the outcome of COMMIT is unknown: {error.orig!r}")
        self.error = error


def commit_rolled_back(dialect: Dialect, dbapi_conn: object, err: Exception) -> bool:
    """Whether a failed COMMIT surely stored nothing: on SQLite the transaction is still
    open (it is rolled back when the connection goes back to the pool); on PostgreSQL the
    server answered with an error of its own (an SQLSTATE outside class 08, connection
    exception). Anything else (the connection broke after COMMIT was sent, an I/O error that
    ended the transaction) leaves the outcome unknown. ``err`` is the DBAPI's error. The one
    answer for both write paths (this module's and ``storage.db.write_tx``)."""
    if dialect.name == "sqlite":
        return bool(getattr(dbapi_conn, "in_transaction", False))
    state = getattr(err, "sqlstate", None)
    return bool(state) and not state.startswith("08")


class RawTx:
    """A write transaction on the DBAPI connection of a connection from the engine's pool."""

    def __init__(self, engine: Engine, conn: PoolProxiedConnection) -> None:
        self.engine, self.conn, self.dialect = engine, conn, engine.dialect
        self.dbapi = conn.dbapi_connection
        self.cursor = self.dbapi.cursor()
        self._error = self.dialect.loaded_dbapi.Error
        self._prepared = _CACHE.setdefault(self.dialect.name, {})
        # The engine's statement listeners, as the transaction starts.
        self._hooks = tuple(engine.dispatch.before_cursor_execute)
        # psycopg runs ``executemany`` in pipeline mode, after which the server reads the
        # next message without its idle-in-transaction timer (psycopg 3.3, PostgreSQL 15):
        # a transaction whose COMMIT was lost on the way then held the sale's lock for as
        # long as its connection looked alive. One ``execute`` per row (a few rows) keeps
        # ``idle_in_transaction_session_timeout`` (``storage.db``) in force.
        self._pipelined = self.dialect.name == "postgresql"

    def execute(self, stmt: Executable, params: Params | Sequence[Params] | None = None
                ) -> list[tuple]:
        """Like ``Connection.execute``: a list of dicts runs as ``executemany``. Returns the
        rows (of a select or a RETURNING; none for ``executemany``)."""
        p = self._prepared.get(id(stmt)) or prepare(stmt, self.dialect)
        many = isinstance(params, list)
        args = [p.params(x) for x in params] if many else p.params(params or {})
        cur, sql = self.cursor, p.sql
        try:
            for hook in self._hooks:  # each returns both (SQLAlchemy wraps plain listeners)
                sql, args = hook(None, cur, sql, args, None, many)
            if many and self._pipelined:
                for one in args:
                    cur.execute(sql, one)
                return []
            if many:
                cur.executemany(sql, args)
                return []
            cur.execute(sql, args)
            return p.rows(cur) if cur.description is not None else []
        except self._error as err:
            raise self._wrap(err, sql, args, many) from err

    def insert(self, stmt: Executable, params: Params) -> int:
        """Run a one-row INSERT; the new row's id."""
        rows = self.execute(stmt, params)
        return self.cursor.lastrowid if self._prepared[id(stmt)].lastrowid else rows[0][0]

    def _begin(self) -> None:
        if self.dialect.name == "sqlite":  # the write lock before the first read
            try:
                self.cursor.execute("BEGIN IMMEDIATE")
            except self._error as err:
                raise self._wrap(err, "BEGIN IMMEDIATE", (), False) from err
        # psycopg (not in autocommit) begins by itself at the first statement

    def _commit(self) -> None:
        sql, args = "COMMIT", ()
        try:
            for hook in self._hooks:  # listeners see the COMMIT too (the fault tests)
                sql, args = hook(None, self.cursor, sql, args, None, False)
            self.dbapi.commit()
        except self._error as err:
            error = self._wrap(err, "COMMIT", (), False)
            if commit_rolled_back(self.dialect, self.dbapi, err):
                raise error from err
            raise CommitOutcomeUnknown(error) from error

    def _rollback(self) -> None:
        if not self.conn.is_valid:  # invalidated: the transaction went with the connection
            return
        try:
            self.dbapi.rollback()
        except self._error as err:  # the error that got us here is the one to raise
            self.conn.invalidate(err)

    def _wrap(self, err: Exception, sql: str, args: object, many: bool) -> DBAPIError:
        """The exception ``Connection.execute`` would raise for ``err``; on a disconnect the
        pooled connection is invalidated, so the pool never hands it out again."""
        gone = self.dialect.is_disconnect(err, self.dbapi, self.cursor)
        if gone:
            self.conn.invalidate(err)
        return _sqlalchemy_error(self.engine, err, sql, args, gone, many)


def _sqlalchemy_error(engine: Engine, err: Exception, sql: str | None, args: object,
                      gone: bool, many: bool = False) -> DBAPIError:
    """``err`` as the ``sqlalchemy.exc`` class SQLAlchemy raises for it (``IntegrityError``,
    ``OperationalError``...), which ``services.common.guarded`` turns into plain words."""
    return DBAPIError.instance(sql, args, err, engine.dialect.loaded_dbapi.Error,
                               hide_parameters=engine.hide_parameters, dialect=engine.dialect,
                               connection_invalidated=gone, ismulti=many)


@contextmanager
def write_tx(engine: Engine) -> Iterator[RawTx]:
    """One short write transaction, committed when the block ends, rolled back on error:
    ``BEGIN IMMEDIATE`` on SQLite (the engine's connect event leaves pysqlite's own
    transaction handling off); psycopg's transaction on PostgreSQL, where callers lock the
    rows they check with ``SELECT ... FOR UPDATE``. The connection comes from the engine's
    pool and goes back to it (pre-ping, limits and reset on return apply)."""
    try:
        conn = engine.raw_connection()
    except engine.dialect.loaded_dbapi.Error as err:  # as ``Engine.connect()`` raises it
        gone = engine.dialect.is_disconnect(err, None, None)
        raise _sqlalchemy_error(engine, err, None, None, gone) from err
    try:
        tx = RawTx(engine, conn)
        tx._begin()
        try:
            yield tx
        except BaseException:
            tx._rollback()
            raise
        tx._commit()
    finally:
        conn.close()  # back to the pool
