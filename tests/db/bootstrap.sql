-- Supabase-like bootstrap for the database tests.
--
-- Rebuilds, in a scratch database on a plain PostgreSQL, what a Supabase
-- project has before `supabase/migrations` run: the API roles, the `auth`
-- schema with `auth.users` and the JWT helpers, the `extensions` schema, and
-- the default privileges that hand every new `public` table to `anon` and
-- `authenticated`. It follows Supabase's own init scripts
-- (supabase/postgres migrations/db/init-scripts/0000000000000{0,1}-*.sql)
-- and the GoTrue migrations that later rewrote the auth helpers to read
-- `request.jwt.claims`. Run it as a superuser, before the migrations.
--
-- Deliberately left out: storage, realtime, pg_graphql, pgsodium/vault, the
-- statement timeouts Supabase sets on the API roles, and the GoTrue tables
-- other than `auth.users`. None of them takes part in what the migrations
-- protect, and role-level settings are cluster-wide state that parallel test
-- runs would fight over.

-- Roles are cluster-wide while this script runs once per scratch database,
-- possibly in parallel: another run may create the same role between our
-- existence check and our CREATE (duplicate_object), or at the same moment
-- (unique_violation on pg_authid). Either way the role then exists, which is
-- all we need.
do $roles$
declare
  spec text[];
begin
  foreach spec slice 1 in array array[
    -- name, attributes; as in Supabase's 00000000000000-initial-schema.sql
    array['anon',                'nologin noinherit'],
    array['authenticated',       'nologin noinherit'],
    array['service_role',        'nologin noinherit bypassrls'],
    array['authenticator',       'login noinherit'],
    -- GoTrue connects as this role and owns the auth schema.
    array['supabase_auth_admin', 'login noinherit createrole noreplication']
  ] loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = spec[1]) then
      begin
        execute pg_catalog.format('create role %I %s', spec[1], spec[2]);
      exception when duplicate_object or unique_violation then
        null;
      end;
    end if;
  end loop;

  -- PostgREST logs in as authenticator and switches with SET LOCAL ROLE.
  foreach spec slice 1 in array array[
    array['anon', 'authenticator'],
    array['authenticated', 'authenticator'],
    array['service_role', 'authenticator']
  ] loop
    if not pg_catalog.pg_has_role(spec[2], spec[1], 'MEMBER') then
      begin
        execute pg_catalog.format('grant %I to %I', spec[1], spec[2]);
      exception when duplicate_object or unique_violation then
        null;
      end;
    end if;
  end loop;
end
$roles$;

-- Extension namespacing, as Supabase does it.
create schema if not exists extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;

-- The API roles may use public; PostgreSQL 15 no longer lets PUBLIC create in it.
grant usage on schema public to postgres, anon, authenticated, service_role;

-- Supabase's defaults: everything the migration role creates in public is
-- fully granted to the API roles. Row Level Security, not missing grants,
-- has to be what protects the data, so the tests must start from here.
alter default privileges in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to postgres, anon, authenticated, service_role;

-- auth schema, owned by GoTrue's role.
create schema if not exists auth authorization supabase_auth_admin;
grant usage on schema auth to anon, authenticated, service_role;

-- The columns of GoTrue's current auth.users that the migrations or the
-- tests touch, plus the ones that shape sign-up (phone, is_anonymous).
create table auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  recovery_token varchar(255),
  email_change varchar(255),
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique,
  phone_confirmed_at timestamptz,
  banned_until timestamptz,
  deleted_at timestamptz,
  is_sso_user boolean not null default false,
  is_anonymous boolean not null default false
);
create unique index users_email_partial_key on auth.users (email) where is_sso_user = false;
comment on table auth.users is 'Auth: Stores user login data within a secure schema.';
alter table auth.users owner to supabase_auth_admin;
-- GoTrue enables RLS on its tables (20240612123726_enable_rls_update_grants).
alter table auth.users enable row level security;
grant all on auth.users to supabase_auth_admin;

-- The helpers as GoTrue defines them today (20220224000811 and
-- 20220531120530): the legacy per-claim settings first, then the JSON claims
-- PostgREST puts in request.jwt.claims.
create or replace function auth.uid()
returns uuid
language sql stable
as $$
  select
    coalesce(
      nullif(current_setting('request.jwt.claim.sub', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
$$;

create or replace function auth.role()
returns text
language sql stable
as $$
  select
    coalesce(
      nullif(current_setting('request.jwt.claim.role', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
$$;

create or replace function auth.email()
returns text
language sql stable
as $$
  select
    coalesce(
      nullif(current_setting('request.jwt.claim.email', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
    )::text
$$;

create or replace function auth.jwt()
returns jsonb
language sql stable
as $$
  select
    coalesce(
      nullif(current_setting('request.jwt.claim', true), ''),
      nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;
alter function auth.jwt() owner to supabase_auth_admin;
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to postgres, anon, authenticated, service_role;
