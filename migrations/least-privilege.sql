-- Least privilege for the service's runtime role, desk_app: it reads and writes the desk's data and can do nothing
-- else. It cannot create, alter, drop or truncate tables, create schemas, functions or temporary tables, or change
-- Flyway's history. Migrations run as the schema owner (FLYWAY_USER / FLYWAY_PASSWORD), the server as desk_app
-- (DATABASE_URL).
--
-- Apply it as the schema owner, after the migrations, to each database the service uses (creating the role needs
-- CREATEROLE; a superuser has it):
--     psql "postgresql://owner@host:5432/desk" -v ON_ERROR_STOP=1 -f migrations/least-privilege.sql
-- then give desk_app its password out of band, never in a file under version control:
--     psql "postgresql://owner@host:5432/desk" -c "\password desk_app"
-- Idempotent: running it again changes nothing. Tables that later migrations create get the same rights through
-- the default privileges below, as long as the same owner creates them.
-- Checked by app/src/test/java/io/tradingdesk/app/resilience/LeastPrivilegeIT.java.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'desk_app') THEN
        CREATE ROLE desk_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END $$;

-- Only the owner creates objects: PostgreSQL 14 and older let every role create in schema public, and every
-- version lets every role create temporary tables.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO desk_app', current_database());
END $$;

GRANT USAGE ON SCHEMA public TO desk_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO desk_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO desk_app;

-- Flyway's history belongs to the owner: the server may read the schema version, never write it.
DO $$
BEGIN
    IF to_regclass('public.flyway_schema_history') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE ON public.flyway_schema_history FROM desk_app;
    END IF;
END $$;

ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO desk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO desk_app;
