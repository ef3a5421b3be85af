-- Tamper-evident, append-only audit trail.
--
-- Rows are written only by public.log_event(), which takes the user from the
-- JWT. Every row carries the hash of the row before it and of its own
-- content, so an edit, a deletion or a reordering anywhere but at the very
-- end shows up in public.verify_audit_chain(). Nobody may UPDATE, DELETE or
-- TRUNCATE the table, the service role and the owner included; the single
-- exception is PostgreSQL clearing user_id when the user is erased.

create table public.audit_logs (
  id uuid primary key default gen_random_uuid(),
  -- Position in the chain: gapless, assigned under the chain lock.
  seq bigint not null,
  user_id uuid references public.users (id) on delete set null,
  action text not null,
  resource_type text,
  resource_id uuid,
  details jsonb not null default '{}'::jsonb,
  status text not null default 'success',
  ip_address inet,
  user_agent text,
  created_at timestamptz not null default now(),
  -- The hash binds a row to its user through user_ref = H(user_id, id)
  -- rather than through user_id itself: erasure sets user_id to NULL and must
  -- not break the chain, yet while user_id is set, moving a row to another
  -- user is detected.
  user_ref text not null,
  prev_hash text not null,
  row_hash text not null,
  constraint audit_logs_seq_key unique (seq),
  constraint audit_logs_seq_positive check (seq > 0),
  constraint audit_logs_action_length check (char_length(btrim(action)) between 1 and 100),
  constraint audit_logs_resource_type_length check (char_length(resource_type) <= 100),
  constraint audit_logs_details_object check (jsonb_typeof(details) = 'object'),
  constraint audit_logs_details_size check (octet_length(details::text) <= 65536),
  constraint audit_logs_status_check check (status in ('success', 'failure', 'denied')),
  constraint audit_logs_user_agent_length check (char_length(user_agent) <= 1024),
  constraint audit_logs_user_ref_format check (user_ref ~ '^[0-9a-f]{64}$'),
  constraint audit_logs_prev_hash_format check (prev_hash ~ '^[0-9a-f]{64}$'),
  constraint audit_logs_row_hash_format check (row_hash ~ '^[0-9a-f]{64}$')
);
comment on table public.audit_logs is
  'Append-only, hash-chained audit trail. Written only through public.log_event().';

create index audit_logs_user_id_created_at_idx
  on public.audit_logs (user_id, created_at desc);
create index audit_logs_created_at_idx
  on public.audit_logs (created_at desc);

alter table public.audit_logs enable row level security;

-- Reading is all the API may do; writing goes through log_event().
revoke all on table public.audit_logs from anon;
revoke insert, update, delete, truncate, references, trigger on table public.audit_logs
  from authenticated, service_role;

create policy "audit_logs_select_own" on public.audit_logs
  for select to authenticated
  using (user_id = (select auth.uid()));

-- app_metadata is writable only with the service key. The top-level "role"
-- claim is the Postgres role (authenticated) and user_metadata is the
-- user's own to edit, so neither may decide this.
create policy "audit_logs_select_super_admin" on public.audit_logs
  for select to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'super_admin');

-------------------------------------------------------------------------------
-- Hash chain
-------------------------------------------------------------------------------

-- The hash functions are pure and hold no secret; API roles may run them so
-- that verify_audit_chain() can work with the caller's rights.
grant usage on schema private to authenticated, service_role;

create or replace function private.audit_user_ref(user_id uuid, row_id uuid)
returns text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.encode(
    pg_catalog.sha256(pg_catalog.convert_to(
      pg_catalog.jsonb_build_array('audit-user', user_id, row_id)::text, 'UTF8')),
    'hex')
$$;
revoke all on function private.audit_user_ref(uuid, uuid) from public;
grant execute on function private.audit_user_ref(uuid, uuid) to authenticated, service_role;

-- The content is serialised as a JSON array: unambiguous (no separator can be
-- smuggled into a field), and jsonb prints the same value the same way. The
-- timestamp is spelled out in UTC so the session's TimeZone cannot change it.
create or replace function private.audit_row_hash(entry public.audit_logs)
returns text
language sql
stable
set search_path = ''
as $$
  select pg_catalog.encode(
    pg_catalog.sha256(pg_catalog.convert_to(
      pg_catalog.jsonb_build_array(
        entry.seq,
        entry.id,
        entry.user_ref,
        entry.action,
        entry.resource_type,
        entry.resource_id,
        entry.details,
        entry.status,
        entry.ip_address::text,
        entry.user_agent,
        pg_catalog.to_char(entry.created_at at time zone 'UTC',
                           'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        entry.prev_hash
      )::text, 'UTF8')),
    'hex')
$$;
revoke all on function private.audit_row_hash(public.audit_logs) from public;
grant execute on function private.audit_row_hash(public.audit_logs) to authenticated, service_role;

-- The chain's head, and its lock. Locking a row that every insert then
-- updates serialises writers correctly: in READ COMMITTED a waiting writer
-- re-reads the head its predecessor left, and in REPEATABLE READ or
-- SERIALIZABLE it fails with a serialisation error instead of forking the
-- chain (which an advisory lock plus "read the last row" would do).
create table private.audit_chain_head (
  singleton boolean primary key default true,
  seq bigint not null,
  row_hash text not null,
  constraint audit_chain_head_singleton check (singleton)
);
alter table private.audit_chain_head enable row level security;
revoke all on table private.audit_chain_head from public;
insert into private.audit_chain_head (singleton, seq, row_hash)
values (true, 0, repeat('0', 64));

-- Whatever the inserter supplies, id, seq, created_at and the hashes are
-- set here. Runs with the inserter's rights, so current_user tells who is
-- writing: only the owner (log_event() is SECURITY DEFINER and owned by it)
-- or a superuser gets through, even if someone re-grants INSERT later.
create or replace function private.audit_logs_chain()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  head_seq bigint;
  head_hash text;
begin
  if not (
    exists (
      select 1 from pg_catalog.pg_roles r
       where r.rolname = current_user and r.rolsuper
    )
    or pg_catalog.pg_has_role(
      current_user,
      (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid),
      'MEMBER')
  ) then
    raise exception 'audit rows are written only by public.log_event()'
      using errcode = '42501';
  end if;

  select h.seq, h.row_hash
    into head_seq, head_hash
    from private.audit_chain_head h
   where h.singleton
     for update;

  new.id := pg_catalog.gen_random_uuid();
  new.seq := head_seq + 1;
  -- clock_timestamp(), not now(): taken under the lock, so it follows seq.
  new.created_at := pg_catalog.clock_timestamp();
  new.user_ref := private.audit_user_ref(new.user_id, new.id);
  new.prev_hash := head_hash;
  new.row_hash := private.audit_row_hash(new);

  update private.audit_chain_head
     set seq = new.seq, row_hash = new.row_hash
   where singleton;
  return new;
end
$$;
revoke all on function private.audit_logs_chain() from public;

create trigger audit_logs_chain
  before insert on public.audit_logs
  for each row execute function private.audit_logs_chain();

-- The one UPDATE allowed is the ON DELETE SET NULL cascade from erasing a
-- user: user_id goes from a value to NULL, nothing else changes, it happens
-- inside the foreign-key trigger (depth > 1), and that user is already gone.
-- No statement a client can write meets all four.
create or replace function private.audit_logs_append_only()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    if old.user_id is not null
       and new.user_id is null
       and (pg_catalog.to_jsonb(new) - 'user_id') = (pg_catalog.to_jsonb(old) - 'user_id')
       and pg_catalog.pg_trigger_depth() > 1
       and not exists (select 1 from public.users u where u.id = old.user_id)
    then
      return new;
    end if;
  end if;
  raise exception 'audit_logs is append-only: % is not allowed', pg_catalog.lower(tg_op)
    using errcode = '42501';
end
$$;
revoke all on function private.audit_logs_append_only() from public;

create trigger audit_logs_append_only
  before update or delete on public.audit_logs
  for each row execute function private.audit_logs_append_only();

create trigger audit_logs_no_truncate
  before truncate on public.audit_logs
  for each statement execute function private.audit_logs_append_only();

-------------------------------------------------------------------------------
-- API
-------------------------------------------------------------------------------

-- The only way in. The caller names what happened; who did it (auth.uid()),
-- when, the row id and the chain fields are not theirs to choose.
-- ip_address and user_agent are what the caller reports: trustworthy when the
-- proxy calls, not when a user calls the RPC directly.
create or replace function public.log_event(
  action text,
  resource_type text default null,
  resource_id uuid default null,
  details jsonb default '{}'::jsonb,
  status text default 'success',
  ip_address text default null,
  user_agent text default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  address inet;
  new_id uuid;
begin
  if caller is null then
    raise exception 'log_event requires a signed-in user'
      using errcode = '42501';
  end if;
  if not exists (select 1 from public.users u where u.id = caller) then
    raise exception 'log_event: no profile for the signed-in user'
      using errcode = '42501';
  end if;

  if log_event.action is null or char_length(btrim(log_event.action)) not between 1 and 100 then
    raise exception 'log_event: action must be 1 to 100 characters'
      using errcode = '22023';
  end if;
  if char_length(log_event.resource_type) > 100 then
    raise exception 'log_event: resource_type must be at most 100 characters'
      using errcode = '22023';
  end if;
  if log_event.details is not null and pg_catalog.jsonb_typeof(log_event.details) <> 'object' then
    raise exception 'log_event: details must be a JSON object'
      using errcode = '22023';
  end if;
  if coalesce(log_event.status, 'success') not in ('success', 'failure', 'denied') then
    raise exception 'log_event: status must be success, failure or denied'
      using errcode = '22023';
  end if;
  if nullif(btrim(log_event.ip_address), '') is not null then
    begin
      address := btrim(log_event.ip_address)::inet;
    exception when invalid_text_representation then
      raise exception 'log_event: ip_address is not an IP address'
        using errcode = '22023';
    end;
  end if;

  -- seq, user_ref and the hashes are left to the chain trigger (NOT NULL
  -- is checked after BEFORE triggers run).
  insert into public.audit_logs
    (user_id, action, resource_type, resource_id, details, status,
     ip_address, user_agent)
  values (
    caller,
    btrim(log_event.action),
    log_event.resource_type,
    log_event.resource_id,
    coalesce(log_event.details, '{}'::jsonb),
    coalesce(log_event.status, 'success'),
    address,
    pg_catalog.left(log_event.user_agent, 1024)
  )
  returning id into new_id;

  return new_id;
end
$$;
revoke all on function public.log_event(text, text, uuid, jsonb, text, text, text)
  from public, anon, authenticated, service_role;
-- Not for service_role: its key has no subject, and a service token minted
-- with someone's subject would be writing in their name.
grant execute on function public.log_event(text, text, uuid, jsonb, text, text, text)
  to authenticated;

-- NULL when the chain is intact, else the id of the first row (in chain
-- order) that does not match. Runs with the caller's rights, so it must see
-- every row to be meaningful: super admins (by app_metadata), roles that
-- bypass RLS, and the owner. A plain user would see a chain full of holes,
-- and is refused rather than told a falsehood.
create or replace function public.verify_audit_chain()
returns uuid
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  first_bad uuid;
begin
  if not (
    coalesce((auth.jwt() -> 'app_metadata' ->> 'role') = 'super_admin', false)
    or exists (
      select 1 from pg_catalog.pg_roles r
       where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)
    )
    or pg_catalog.pg_has_role(
      current_user,
      (select c.relowner from pg_catalog.pg_class c
        where c.oid = 'public.audit_logs'::regclass),
      'MEMBER')
  ) then
    raise exception 'verify_audit_chain is for super admins and the service role'
      using errcode = '42501';
  end if;

  with ordered as (
    select a.id,
           a.seq,
           a.user_id,
           a.user_ref,
           a.prev_hash,
           a.row_hash,
           private.audit_row_hash(a) as computed_hash,
           pg_catalog.lag(a.row_hash) over chain as expected_prev_hash,
           pg_catalog.lag(a.seq) over chain as previous_seq
      from public.audit_logs a
    window chain as (order by a.seq)
  )
  select o.id
    into first_bad
    from ordered o
   where o.prev_hash is distinct from coalesce(o.expected_prev_hash, pg_catalog.repeat('0', 64))
      or o.seq is distinct from coalesce(o.previous_seq, 0) + 1
      or o.row_hash is distinct from o.computed_hash
      or (o.user_id is not null
          and o.user_ref is distinct from private.audit_user_ref(o.user_id, o.id))
   order by o.seq
   limit 1;

  return first_bad;
end
$$;
revoke all on function public.verify_audit_chain()
  from public, anon, authenticated, service_role;
grant execute on function public.verify_audit_chain() to authenticated, service_role;
