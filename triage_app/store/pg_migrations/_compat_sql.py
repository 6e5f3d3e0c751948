"""SQLite functions that the shared store queries call, written for PostgreSQL with the same
names and behaviour (installed by pg_migrations/m001_core.py), and the trigger function of the
append-only guards.

Covered (``grep`` of triage_app's SQL): group_concat(x) and group_concat(x, sep) (for small
groups: they copy the text so far at every row), printf with
``%d``/``%x``/``%s`` conversions (flags 0 and -, a width), julianday(text), json_valid(text),
json_extract(text, path) for ``$.key``/``$[n]`` paths, instr(text, text), sum(boolean) (SQLite
sums comparisons: ``sum(status = 'referred')``), and a ``sqlite_master`` view (type, name,
tbl_name, sql) answering "does this table exist". ``json_each(?)`` is rewritten by the adapter
(store/pg/translate.py) rather than defined here: its value column has no single type.

Behaviour that differs: json_valid returns boolean (SQLite: 0/1, used only in WHERE);
json_extract returns text (SQLite returns numbers as numbers and true as 1); julianday accepts
ISO-8601 text and 'now' (not Julian day numbers) and gives NULL for text it cannot read, as
SQLite does. ``triage_sync_identities()`` moves every identity past the largest stored id, for
a copy that inserted explicit ids (SQLite's INTEGER PRIMARY KEY needs no such step)."""

COMPAT_SQL = r"""
-- RAISE(ABORT, message) of SQLite's guard triggers; the message is the trigger's argument.
CREATE OR REPLACE FUNCTION triage_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'restrict_violation';
END $$;

CREATE OR REPLACE FUNCTION triage_group_concat_step(acc text, value text, sep text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value IS NULL THEN acc WHEN acc IS NULL THEN value
                ELSE acc || sep || value END
$$;
CREATE OR REPLACE FUNCTION triage_group_concat_step(acc text, value text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT triage_group_concat_step(acc, value, ',')
$$;
CREATE OR REPLACE AGGREGATE group_concat(text) (
    SFUNC = triage_group_concat_step, STYPE = text, PARALLEL = SAFE
);
-- Text state, so that a database owner who is not a superuser can create it (an `internal`
-- state like string_agg's needs a superuser). Each row copies the text so far: fine for the
-- small groups it serves (a post's tags); a query aggregating a whole queue must say
-- string_agg, which the adapter writes for group_concat (store/pg/translate.py).
CREATE OR REPLACE AGGREGATE group_concat(text, text) (
    SFUNC = triage_group_concat_step, STYPE = text, PARALLEL = SAFE
);

CREATE OR REPLACE FUNCTION triage_sum_bool_step(acc bigint, value boolean)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value IS NULL THEN acc ELSE coalesce(acc, 0) + value::int END
$$;
CREATE OR REPLACE AGGREGATE sum(boolean) (
    SFUNC = triage_sum_bool_step, STYPE = bigint, PARALLEL = SAFE
);

CREATE OR REPLACE FUNCTION triage_printf(fmt text, args text[])
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    out text := '';
    pos int := 1;
    used int := 0;
    m text[];
    piece text;
    width int;
    value text;
BEGIN
    IF fmt IS NULL THEN
        RETURN NULL;
    END IF;
    WHILE pos <= length(fmt) LOOP
        IF substr(fmt, pos, 1) <> '%' THEN
            out := out || substr(fmt, pos, 1);
            pos := pos + 1;
            CONTINUE;
        END IF;
        m := regexp_match(substr(fmt, pos), '^%([-0]*)([0-9]*)(l{0,2}[dsxXi%])');
        IF m IS NULL THEN
            RAISE EXCEPTION 'printf: unsupported format %', fmt;
        END IF;
        piece := m[3];
        IF piece = '%' THEN
            out := out || '%';
        ELSE
            used := used + 1;
            value := args[used];
            piece := right(piece, 1);
            IF value IS NULL THEN
                value := CASE WHEN piece = 's' THEN '' ELSE '0' END;
            END IF;
            IF piece IN ('d', 'i') THEN
                value := (trunc(value::numeric))::bigint::text;
            ELSIF piece IN ('x', 'X') THEN
                value := to_hex(trunc(value::numeric)::bigint);
                IF piece = 'X' THEN value := upper(value); END IF;
            END IF;
            width := coalesce(nullif(m[2], '')::int, 0);
            IF length(value) < width THEN
                IF position('-' IN m[1]) > 0 THEN
                    value := rpad(value, width);
                ELSIF position('0' IN m[1]) > 0 AND piece <> 's' THEN
                    IF left(value, 1) = '-' THEN
                        value := '-' || lpad(substr(value, 2), width - 1, '0');
                    ELSE
                        value := lpad(value, width, '0');
                    END IF;
                ELSE
                    value := lpad(value, width);
                END IF;
            END IF;
            out := out || value;
        END IF;
        pos := pos + length(m[1]) + length(m[2]) + length(m[3]) + 1;
    END LOOP;
    RETURN out;
END $$;
-- The hot form (queue.py packs ids as %016x) without the general parser.
CREATE OR REPLACE FUNCTION printf(fmt text, value bigint)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN fmt = '%016x' AND value IS NOT NULL THEN lpad(to_hex(value), 16, '0')
                ELSE triage_printf(fmt, ARRAY[value::text]) END
$$;
CREATE OR REPLACE FUNCTION printf(fmt text, value text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT triage_printf(fmt, ARRAY[value])
$$;
CREATE OR REPLACE FUNCTION printf(fmt text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT triage_printf(fmt, ARRAY[]::text[])
$$;

-- Days since noon UTC, 24 November 4714 BC; text without a zone is UTC, as in SQLite.
CREATE OR REPLACE FUNCTION julianday(value text)
RETURNS double precision LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    moment timestamptz;
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    ELSIF lower(value) = 'now' THEN
        moment := statement_timestamp();
    ELSIF value ~ '(Z|z|[+-][0-9]{2}:?[0-9]{2})$' THEN
        moment := value::timestamptz;
    ELSE
        moment := value::timestamp AT TIME ZONE 'UTC';
    END IF;
    RETURN extract(epoch FROM moment)::double precision / 86400.0 + 2440587.5;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION json_valid(value text)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM value::json;
    RETURN true;
EXCEPTION WHEN others THEN
    RETURN false;
END $$;

-- '$.a.b[2]' -> {a,b,2}
CREATE OR REPLACE FUNCTION triage_json_path(path text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN path = '$' THEN ARRAY[]::text[]
                ELSE string_to_array(
                    regexp_replace(regexp_replace(substr(path, 2), '\[([0-9]+)\]', '.\1', 'g'),
                                   '^\.', ''), '.') END
$$;
CREATE OR REPLACE FUNCTION json_extract(value text, path text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (value::json) #>> triage_json_path(path)
$$;

CREATE OR REPLACE FUNCTION instr(haystack text, needle text)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT strpos(haystack, needle)
$$;

CREATE OR REPLACE VIEW sqlite_master AS
    SELECT CASE c.relkind WHEN 'i' THEN 'index' WHEN 'v' THEN 'view' ELSE 'table' END AS type,
           c.relname::text AS name,
           coalesce(t.relname, c.relname)::text AS tbl_name,
           NULL::text AS sql
    FROM pg_class c
    LEFT JOIN pg_index i ON i.indexrelid = c.oid
    LEFT JOIN pg_class t ON t.oid = i.indrelid
    WHERE c.relnamespace = current_schema()::regnamespace
      AND c.relkind IN ('r', 'p', 'v', 'i')
      AND c.relname <> 'sqlite_master'
    UNION ALL
    SELECT 'trigger', tg.tgname::text, c.relname::text, NULL
    FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
    WHERE NOT tg.tgisinternal AND c.relnamespace = current_schema()::regnamespace;

-- After rows were inserted with explicit ids (db copy): every identity continues after them.
CREATE OR REPLACE FUNCTION triage_sync_identities() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
    top bigint;
BEGIN
    FOR r IN
        SELECT c.relname AS tab, a.attname AS col
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE a.attidentity = 'd' AND c.relnamespace = current_schema()::regnamespace
    LOOP
        EXECUTE format('SELECT max(%I) FROM %I', r.col, r.tab) INTO top;
        IF top IS NOT NULL THEN
            PERFORM setval(pg_get_serial_sequence(quote_ident(r.tab), r.col), top);
        END IF;
    END LOOP;
END $$;
"""
