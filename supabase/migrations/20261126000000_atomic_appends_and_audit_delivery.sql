-- Atomic chat appends, and audit events delivered exactly once.
--
-- * append_messages(): appending through PostgREST used to be a read and
--   then a PATCH, so two appends to one conversation at the same time could
--   lose one. One UPDATE under the row lock cannot.
-- * audit_logs.event_id: the proxy gives every event a UUID when it queues
--   it, and may deliver it twice (a crash between "sent" and "acknowledged",
--   or a timeout). A second delivery now returns the row of the first.
-- * log_service_event(): the service key's way in, for events without a
--   user (authentication failures) and for queued events whose user token
--   expired before delivery.
--
-- The conventions of the earlier migrations hold: search_path = '',
-- schema-qualified names, EXECUTE revoked from PUBLIC and granted
-- explicitly, internal helpers in schema private.

-------------------------------------------------------------------------------
-- Chat messages
-------------------------------------------------------------------------------

-- SECURITY INVOKER: RLS and the grants of ai_conversations decide, and the
-- explicit owner filter keeps the rule even if a wider policy is ever added.
-- Returns the conversation's id, or NULL when the caller has no such
-- conversation (the proxy answers 404).
create or replace function public.append_messages(
  conversation_id uuid,
  messages jsonb,
  tokens bigint default 0
)
returns uuid
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  appended uuid;
begin
  if caller is null then
    raise exception 'append_messages requires a signed-in user'
      using errcode = '42501';
  end if;
  if append_messages.messages is null
     or pg_catalog.jsonb_typeof(append_messages.messages) <> 'array' then
    raise exception 'append_messages: messages must be a JSON array'
      using errcode = '22023';
  end if;
  if append_messages.tokens is null or append_messages.tokens < 0 then
    raise exception 'append_messages: tokens must be zero or more'
      using errcode = '22023';
  end if;

  -- One statement: the row lock orders concurrent appends, and in READ
  -- COMMITTED the later one re-evaluates against the row the earlier left.
  update public.ai_conversations c
     set messages = c.messages || append_messages.messages,
         total_tokens = least(c.total_tokens::bigint + append_messages.tokens,
                              2147483647)::integer
   where c.id = append_messages.conversation_id
     and c.user_id = caller
  returning c.id into appended;

  return appended;
end
$$;
revoke all on function public.append_messages(uuid, jsonb, bigint)
  from public, anon, authenticated, service_role;
grant execute on function public.append_messages(uuid, jsonb, bigint) to authenticated;

-------------------------------------------------------------------------------
-- Audit: one row per event
-------------------------------------------------------------------------------

-- Not part of row_hash: it is how a delivery is recognised, not what
-- happened, and the chain's formula stays as it was for existing rows. Like
-- every other column it cannot change once written (append-only trigger).
alter table public.audit_logs add column event_id uuid;
alter table public.audit_logs
  add constraint audit_logs_event_id_key unique (event_id);
comment on column public.audit_logs.event_id is
  'The UUID the writer gave the event when it queued it; a repeated delivery returns the first row.';
comment on column public.audit_logs.action is
  'What happened, as <area>.<verb>: profile.update, sheet.create, sheet.delete, '
  'conversation.create, conversation.delete, data.export, ai.query, ai.rate_limited, '
  'ai.pii_blocked, auth.failure. Free text of 1 to 100 characters.';

-- The checks and the insert shared by log_event() and log_service_event().
-- Runs with their rights (they are SECURITY DEFINER and owned by the table
-- owner), which is what the chain trigger requires of an inserter.
create or replace function private.append_audit_event(
  user_id uuid,
  action text,
  resource_type text,
  resource_id uuid,
  details jsonb,
  status text,
  ip_address text,
  user_agent text,
  event_id uuid
)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
  address inet;
  existing_id uuid;
  existing_user uuid;
  new_id uuid;
begin
  if append_audit_event.action is null
     or char_length(btrim(append_audit_event.action)) not between 1 and 100 then
    raise exception 'log_event: action must be 1 to 100 characters'
      using errcode = '22023';
  end if;
  if char_length(append_audit_event.resource_type) > 100 then
    raise exception 'log_event: resource_type must be at most 100 characters'
      using errcode = '22023';
  end if;
  if append_audit_event.details is not null
     and pg_catalog.jsonb_typeof(append_audit_event.details) <> 'object' then
    raise exception 'log_event: details must be a JSON object'
      using errcode = '22023';
  end if;
  if coalesce(append_audit_event.status, 'success') not in ('success', 'failure', 'denied') then
    raise exception 'log_event: status must be success, failure or denied'
      using errcode = '22023';
  end if;
  if nullif(btrim(append_audit_event.ip_address), '') is not null then
    begin
      address := btrim(append_audit_event.ip_address)::inet;
    exception when invalid_text_representation then
      raise exception 'log_event: ip_address is not an IP address'
        using errcode = '22023';
    end;
  end if;

  -- A repeated delivery: the row of the first, if it is the same writer's.
  if append_audit_event.event_id is not null then
    select a.id, a.user_id into existing_id, existing_user
      from public.audit_logs a
     where a.event_id = append_audit_event.event_id;
    if found then
      if existing_user is distinct from append_audit_event.user_id then
        raise exception 'log_event: event_id is already recorded for someone else'
          using errcode = '23505';
      end if;
      return existing_id;
    end if;
  end if;

  begin
    -- seq, user_ref and the hashes are left to the chain trigger (NOT NULL
    -- is checked after BEFORE triggers run).
    insert into public.audit_logs
      (user_id, action, resource_type, resource_id, details, status,
       ip_address, user_agent, event_id)
    values (
      append_audit_event.user_id,
      btrim(append_audit_event.action),
      append_audit_event.resource_type,
      append_audit_event.resource_id,
      coalesce(append_audit_event.details, '{}'::jsonb),
      coalesce(append_audit_event.status, 'success'),
      address,
      pg_catalog.left(append_audit_event.user_agent, 1024),
      append_audit_event.event_id
    )
    returning id into new_id;
  exception when unique_violation then
    -- The same event delivered concurrently, and the other delivery won
    -- (it committed while this one waited for the chain's lock). This
    -- block's subtransaction also undoes the chain head's advance, so seq
    -- stays gapless.
    select a.id, a.user_id into existing_id, existing_user
      from public.audit_logs a
     where a.event_id = append_audit_event.event_id;
    if not found or existing_user is distinct from append_audit_event.user_id then
      raise;
    end if;
    return existing_id;
  end;
  return new_id;
end
$$;
revoke all on function private.append_audit_event(uuid, text, text, uuid, jsonb, text, text, text, uuid)
  from public;

-- log_event() gains event_id. A new parameter is a new signature, so the old
-- one goes (an overload would make PostgREST's named-argument call ambiguous).
drop function public.log_event(text, text, uuid, jsonb, text, text, text);

-- The user's way in, unchanged but for event_id: the user is auth.uid() and
-- must have a profile; anon and the service key have no EXECUTE.
create function public.log_event(
  action text,
  resource_type text default null,
  resource_id uuid default null,
  details jsonb default '{}'::jsonb,
  status text default 'success',
  ip_address text default null,
  user_agent text default null,
  event_id uuid default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
begin
  if caller is null then
    raise exception 'log_event requires a signed-in user'
      using errcode = '42501';
  end if;
  if not exists (select 1 from public.users u where u.id = caller) then
    raise exception 'log_event: no profile for the signed-in user'
      using errcode = '42501';
  end if;
  return private.append_audit_event(
    caller, log_event.action, log_event.resource_type, log_event.resource_id,
    log_event.details, log_event.status, log_event.ip_address,
    log_event.user_agent, log_event.event_id);
end
$$;
revoke all on function public.log_event(text, text, uuid, jsonb, text, text, text, uuid)
  from public, anon, authenticated, service_role;
grant execute on function public.log_event(text, text, uuid, jsonb, text, text, text, uuid)
  to authenticated;

-- The service key's way in. The service key can already read and change
-- every table; this lets it name the user of an event (NULL for a system
-- event such as an authentication failure) and nothing more: the row still
-- goes through the same checks and the chain trigger. Only service_role has
-- EXECUTE, and the token must say so too.
create function public.log_service_event(
  action text,
  user_id uuid default null,
  resource_type text default null,
  resource_id uuid default null,
  details jsonb default '{}'::jsonb,
  status text default 'success',
  ip_address text default null,
  user_agent text default null,
  event_id uuid default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if coalesce(auth.jwt() ->> 'role', '') <> 'service_role' then
    raise exception 'log_service_event is for the service role'
      using errcode = '42501';
  end if;
  if log_service_event.user_id is not null
     and not exists (select 1 from public.users u where u.id = log_service_event.user_id) then
    raise exception 'log_service_event: no profile for user_id'
      using errcode = '23503';
  end if;
  return private.append_audit_event(
    log_service_event.user_id, log_service_event.action,
    log_service_event.resource_type, log_service_event.resource_id,
    log_service_event.details, log_service_event.status,
    log_service_event.ip_address, log_service_event.user_agent,
    log_service_event.event_id);
end
$$;
revoke all on function public.log_service_event(text, uuid, text, uuid, jsonb, text, text, text, uuid)
  from public, anon, authenticated, service_role;
grant execute on function public.log_service_event(text, uuid, text, uuid, jsonb, text, text, text, uuid)
  to service_role;
