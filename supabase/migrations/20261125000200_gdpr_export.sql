-- GDPR access/portability: everything stored about the caller, in one document.
--
-- Erasure needs no function: deleting the auth user (GoTrue admin API) cascades
-- to the profile, sheets and conversations, and clears user_id on the audit
-- rows, which stay for the chain and for the record.
--
-- SECURITY INVOKER, and every query is filtered on auth.uid() explicitly:
-- RLS is a second wall here, not the only one (a super admin's RLS would
-- otherwise put everyone's audit rows into their export).
create or replace function public.export_my_data()
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
begin
  if caller is null then
    raise exception 'export_my_data requires a signed-in user'
      using errcode = '42501';
  end if;

  return pg_catalog.jsonb_build_object(
    'exported_at', pg_catalog.now(),
    'user_id', caller,
    'profile', (
      select pg_catalog.to_jsonb(u) from public.users u where u.id = caller
    ),
    'excel_sheets', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(s) order by s.created_at, s.id)
        from public.excel_sheets s
       where s.user_id = caller
    ), '[]'::jsonb),
    'ai_conversations', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) order by c.created_at, c.id)
        from public.ai_conversations c
       where c.user_id = caller
    ), '[]'::jsonb),
    'audit_logs', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(a) order by a.seq)
        from public.audit_logs a
       where a.user_id = caller
    ), '[]'::jsonb)
  );
end
$$;
revoke all on function public.export_my_data()
  from public, anon, authenticated, service_role;
grant execute on function public.export_my_data() to authenticated;
