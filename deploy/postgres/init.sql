-- One PostgreSQL database and one login role per service: intake, routing, notify.
-- A service connects only to its own database (services never read each other's tables).
--
-- Compose runs this file once, on the first start of an empty data volume
-- (/docker-entrypoint-initdb.d), as POSTGRES_USER. On a managed or existing server run it yourself,
-- as a role with CREATEROLE and CREATEDB, with the three passwords in the environment:
--   INTAKE_DB_PASSWORD=... ROUTING_DB_PASSWORD=... NOTIFY_DB_PASSWORD=... \
--     psql "host=... user=... dbname=postgres" -v ON_ERROR_STOP=1 -f deploy/postgres/init.sql
-- It is idempotent: existing roles and databases are left as they are (passwords are not changed).
-- Use URL-safe passwords (letters, digits, - and _): they go into DATABASE_URL as they are.
-- Needs psql 15 or newer (\getenv).

\set ON_ERROR_STOP on

\set intake_password ''
\set routing_password ''
\set notify_password ''
\getenv intake_password INTAKE_DB_PASSWORD
\getenv routing_password ROUTING_DB_PASSWORD
\getenv notify_password NOTIFY_DB_PASSWORD

-- Hand the passwords to the DO block below through session settings (psql variables are not
-- interpolated inside dollar quotes).
SELECT set_config('complaints_init.intake', :'intake_password', false),
       set_config('complaints_init.routing', :'routing_password', false),
       set_config('complaints_init.notify', :'notify_password', false)
\g /dev/null

DO $$
DECLARE
    service text;
    password text;
BEGIN
    FOREACH service IN ARRAY ARRAY['intake', 'routing', 'notify'] LOOP
        password := current_setting('complaints_init.' || service);
        IF length(password) < 12 THEN
            RAISE EXCEPTION '%_DB_PASSWORD must be set, 12 characters or more', upper(service);
        END IF;
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = service) THEN
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', service, password);
        END IF;
        -- Lets a non-superuser admin (managed PostgreSQL) create a database owned by the role.
        IF NOT pg_has_role(current_user, service, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', service, current_user);
        END IF;
    END LOOP;
END
$$;

RESET complaints_init.intake;
RESET complaints_init.routing;
RESET complaints_init.notify;

-- CREATE DATABASE cannot run inside a DO block (a transaction): generate the statements, \gexec them.
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', service, service, 'UTF8')
FROM unnest(ARRAY['intake', 'routing', 'notify']) AS service
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = service)
\gexec

-- Only the owner (and superusers) may connect: no CONNECT or TEMP for PUBLIC.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', service)
FROM unnest(ARRAY['intake', 'routing', 'notify']) AS service
\gexec
