-- Core schema: user profiles, sheet snapshots, AI conversations.
--
-- Each table is created, locked down and given its policies in this one
-- migration, so there is no moment where a table exists with Supabase's
-- default "ALL to anon, authenticated" grants and no Row Level Security.
--
-- Conventions that hold for every function below:
--   * `set search_path = ''` and schema-qualified names, so nothing a caller
--     puts on their search_path (a temporary table, say) can stand in for
--     our objects;
--   * EXECUTE is revoked from PUBLIC, because PostgreSQL grants it to PUBLIC
--     on every new function and Supabase's default privileges add anon and
--     authenticated on functions in public.
--   * `(select auth.uid())` in policies is evaluated once per statement
--     instead of once per row.

-- Internal helpers live outside the schemas PostgREST exposes, so none of
-- them can be called as an RPC.
create schema if not exists private;
revoke all on schema private from public;
comment on schema private is
  'Internal helpers and trigger functions; never exposed through the API.';

-------------------------------------------------------------------------------
-- Helper functions
-------------------------------------------------------------------------------

-- Timestamps are the server's, whatever the client sends; ids and owners of
-- rows never change once written.
create or replace function private.stamp_row()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.created_at := pg_catalog.now();
    new.updated_at := new.created_at;
    return new;
  end if;

  if new.id is distinct from old.id then
    raise exception '%.id cannot be changed', tg_table_name
      using errcode = '42501';
  end if;
  -- Nested: plpgsql resolves record fields per expression, and users has no user_id.
  if tg_table_name <> 'users' then
    if new.user_id is distinct from old.user_id then
      raise exception 'a % row cannot be handed to another user', tg_table_name
        using errcode = '42501';
    end if;
  end if;
  new.created_at := old.created_at;
  new.updated_at := pg_catalog.now();
  return new;
end
$$;
revoke all on function private.stamp_row() from public;

-------------------------------------------------------------------------------
-- public.users: one profile per auth user
-------------------------------------------------------------------------------

create table public.users (
  id uuid primary key references auth.users (id) on delete cascade,
  email text not null,
  full_name text,
  company text,
  role text not null default 'user',
  is_active boolean not null default true,
  preferences jsonb not null default '{}'::jsonb,
  last_login_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint users_role_check check (role in ('user', 'admin', 'super_admin')),
  constraint users_email_length check (char_length(email) <= 320),
  constraint users_full_name_length check (char_length(full_name) <= 200),
  constraint users_company_length check (char_length(company) <= 200),
  constraint users_preferences_object check (jsonb_typeof(preferences) = 'object'),
  constraint users_preferences_size check (octet_length(preferences::text) <= 65536)
);
comment on table public.users is
  'Profile of each auth user. Created by a trigger on auth.users; role mirrors app_metadata.role.';
comment on column public.users.role is
  'Mirror of auth.users.raw_app_meta_data->>''role'' for display and reporting. '
  'Authorization decisions read the JWT''s app_metadata, never this column.';

alter table public.users enable row level security;

-- Profiles are created by the auth trigger and removed with the auth user.
-- Through the API a user may read their profile and change three columns.
revoke all on table public.users from anon, authenticated;
grant select on table public.users to authenticated;
grant update (full_name, company, preferences) on table public.users to authenticated;
-- The service role may read and maintain profiles (role, is_active) but not
-- create or delete them: erasure goes through deleting the auth user, which
-- takes everything else with it. TRUNCATE would skip row checks and triggers.
revoke insert, delete, truncate, references, trigger on table public.users from service_role;

create policy "users_select_own" on public.users
  for select to authenticated
  using (id = (select auth.uid()));

create policy "users_update_own" on public.users
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

create trigger users_stamp
  before insert or update on public.users
  for each row execute function private.stamp_row();

-- Column privileges are the first wall; this trigger is the second, and the
-- one that survives a careless `grant update on all tables ... to
-- authenticated` in some later migration.
create or replace function private.guard_user_columns()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- Inline rather than a helper: this runs with the caller's rights, and API
  -- roles have no access to the private schema. Privileged means superuser,
  -- a role that bypasses RLS (service_role, Supabase's postgres) or the table
  -- owner, which is who SECURITY DEFINER functions and FK cascades run as.
  if exists (
       select 1 from pg_catalog.pg_roles r
        where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)
     )
     or pg_catalog.pg_has_role(
       current_user,
       (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid),
       'MEMBER')
  then
    return new;
  end if;
  if new.email is distinct from old.email
     or new.role is distinct from old.role
     or new.is_active is distinct from old.is_active
     or new.last_login_at is distinct from old.last_login_at then
    raise exception 'only full_name, company and preferences of a profile can be changed'
      using errcode = '42501';
  end if;
  return new;
end
$$;
revoke all on function private.guard_user_columns() from public;

create trigger users_guard_columns
  before update on public.users
  for each row execute function private.guard_user_columns();

-------------------------------------------------------------------------------
-- public.excel_sheets: snapshots of sheet ranges
-------------------------------------------------------------------------------

create table public.excel_sheets (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  workbook_name text,
  sheet_name text not null,
  range_address text,
  data jsonb not null,
  metadata jsonb not null default '{}'::jsonb,
  row_count integer,
  column_count integer,
  status text not null default 'active',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Target of the composite key that keeps conversations on their owner's sheets.
  constraint excel_sheets_id_user_id_key unique (id, user_id),
  constraint excel_sheets_status_check check (status in ('active', 'archived')),
  constraint excel_sheets_workbook_name_length check (char_length(workbook_name) <= 255),
  -- Excel itself refuses sheet names longer than 31 characters.
  constraint excel_sheets_sheet_name_length check (char_length(sheet_name) between 1 and 31),
  constraint excel_sheets_range_address_length check (char_length(range_address) <= 2048),
  constraint excel_sheets_data_shape check (jsonb_typeof(data) in ('array', 'object')),
  -- 5 MiB of JSON text: what a client sends and reads back.
  constraint excel_sheets_data_size check (octet_length(data::text) <= 5242880),
  constraint excel_sheets_metadata_object check (jsonb_typeof(metadata) = 'object'),
  constraint excel_sheets_metadata_size check (octet_length(metadata::text) <= 65536),
  -- Excel's grid is 1,048,576 rows by 16,384 columns.
  constraint excel_sheets_row_count_range check (row_count between 0 and 1048576),
  constraint excel_sheets_column_count_range check (column_count between 0 and 16384)
);
comment on table public.excel_sheets is 'Snapshots of worksheet ranges, owned by one user.';

create index excel_sheets_user_id_created_at_idx
  on public.excel_sheets (user_id, created_at desc);

alter table public.excel_sheets enable row level security;

revoke all on table public.excel_sheets from anon;
revoke truncate, references, trigger on table public.excel_sheets
  from authenticated, service_role;

create policy "excel_sheets_select_own" on public.excel_sheets
  for select to authenticated
  using (user_id = (select auth.uid()));

create policy "excel_sheets_insert_own" on public.excel_sheets
  for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "excel_sheets_update_own" on public.excel_sheets
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "excel_sheets_delete_own" on public.excel_sheets
  for delete to authenticated
  using (user_id = (select auth.uid()));

create trigger excel_sheets_stamp
  before insert or update on public.excel_sheets
  for each row execute function private.stamp_row();

-------------------------------------------------------------------------------
-- public.ai_conversations
-------------------------------------------------------------------------------

create table public.ai_conversations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  sheet_id uuid,
  title text,
  messages jsonb not null default '[]'::jsonb,
  context jsonb not null default '{}'::jsonb,
  model text,
  total_tokens integer not null default 0,
  status text not null default 'active',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- One key does both jobs: sheet_id points at a sheet, and only at a sheet
  -- of the same user, whoever writes the row (the service role included).
  -- Deleting the sheet clears sheet_id only, never user_id.
  constraint ai_conversations_sheet_id_fkey foreign key (sheet_id, user_id)
    references public.excel_sheets (id, user_id)
    on delete set null (sheet_id),
  constraint ai_conversations_status_check check (status in ('active', 'archived')),
  constraint ai_conversations_title_length check (char_length(title) <= 500),
  constraint ai_conversations_model_length check (char_length(model) <= 200),
  constraint ai_conversations_messages_array check (jsonb_typeof(messages) = 'array'),
  constraint ai_conversations_messages_size check (octet_length(messages::text) <= 10485760),
  constraint ai_conversations_context_object check (jsonb_typeof(context) = 'object'),
  constraint ai_conversations_context_size check (octet_length(context::text) <= 1048576),
  constraint ai_conversations_total_tokens_nonnegative check (total_tokens >= 0)
);
comment on table public.ai_conversations is
  'AI conversations; context holds the stored summary of older turns.';

create index ai_conversations_user_id_created_at_idx
  on public.ai_conversations (user_id, created_at desc);
create index ai_conversations_sheet_id_user_id_idx
  on public.ai_conversations (sheet_id, user_id);

alter table public.ai_conversations enable row level security;

revoke all on table public.ai_conversations from anon;
revoke truncate, references, trigger on table public.ai_conversations
  from authenticated, service_role;

-- The sheet check repeats what the composite key enforces, so that the rule
-- stays in the policies even if the key is ever relaxed.
create policy "ai_conversations_select_own" on public.ai_conversations
  for select to authenticated
  using (user_id = (select auth.uid()));

create policy "ai_conversations_insert_own" on public.ai_conversations
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and (
      sheet_id is null
      or exists (
        select 1 from public.excel_sheets s
         where s.id = sheet_id and s.user_id = (select auth.uid())
      )
    )
  );

create policy "ai_conversations_update_own" on public.ai_conversations
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (
    user_id = (select auth.uid())
    and (
      sheet_id is null
      or exists (
        select 1 from public.excel_sheets s
         where s.id = sheet_id and s.user_id = (select auth.uid())
      )
    )
  );

create policy "ai_conversations_delete_own" on public.ai_conversations
  for delete to authenticated
  using (user_id = (select auth.uid()));

create trigger ai_conversations_stamp
  before insert or update on public.ai_conversations
  for each row execute function private.stamp_row();

-------------------------------------------------------------------------------
-- Profiles follow auth.users
-------------------------------------------------------------------------------

-- app_metadata can only be written with the service key, so it is the one
-- place a role may come from; user_metadata is the user's own to edit and is
-- only ever a source of display data.
create or replace function private.app_metadata_role(app_metadata jsonb)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
           when app_metadata ->> 'role' in ('user', 'admin', 'super_admin')
             then app_metadata ->> 'role'
           else 'user'
         end
$$;
revoke all on function private.app_metadata_role(jsonb) from public;

-- Runs as GoTrue's role, which has no rights on public: SECURITY DEFINER.
-- A sign-up must never fail here ("Database error saving new user"), so
-- user-supplied values are trimmed to fit instead of being rejected, and
-- accounts without an email (phone, anonymous) get an empty one. The auth
-- row is read through to_jsonb() so that a column GoTrue adds, renames or
-- lacks in some version cannot break sign-up.
create or replace function private.handle_new_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  auth_row jsonb := pg_catalog.to_jsonb(new);
  name_value text;
begin
  if pg_catalog.jsonb_typeof(auth_row -> 'raw_user_meta_data' -> 'full_name') = 'string' then
    name_value := pg_catalog.left(
      pg_catalog.btrim(auth_row -> 'raw_user_meta_data' ->> 'full_name'), 200);
  end if;

  insert into public.users (id, email, full_name, role, last_login_at)
  values (
    new.id,
    pg_catalog.left(coalesce(auth_row ->> 'email', ''), 320),
    nullif(name_value, ''),
    private.app_metadata_role(auth_row -> 'raw_app_meta_data'),
    (auth_row ->> 'last_sign_in_at')::timestamptz
  );
  return new;
end
$$;
revoke all on function private.handle_new_auth_user() from public;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_auth_user();

-- GoTrue updates auth.users on every sign-in; only the three mirrored
-- values are copied, and only when one of them changed.
create or replace function private.handle_updated_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  old_row jsonb := pg_catalog.to_jsonb(old);
  new_row jsonb := pg_catalog.to_jsonb(new);
begin
  if (old_row -> 'email') is not distinct from (new_row -> 'email')
     and (old_row -> 'raw_app_meta_data' -> 'role') is not distinct from (new_row -> 'raw_app_meta_data' -> 'role')
     and (old_row -> 'last_sign_in_at') is not distinct from (new_row -> 'last_sign_in_at')
  then
    return new;
  end if;

  update public.users
     set email = pg_catalog.left(coalesce(new_row ->> 'email', ''), 320),
         role = private.app_metadata_role(new_row -> 'raw_app_meta_data'),
         last_login_at = (new_row ->> 'last_sign_in_at')::timestamptz
   where id = new.id;
  return new;
end
$$;
revoke all on function private.handle_updated_auth_user() from public;

create trigger on_auth_user_updated
  after update on auth.users
  for each row execute function private.handle_updated_auth_user();
