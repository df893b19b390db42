"""SQL of the audit log, the trusted documents and the operator reads."""

INSERT_AUDIT = """
insert into audit_log (actor, role, action, target, region_code, outcome, detail)
values ($1, $2, $3, $4, $5, $6, $7::jsonb)
returning id
"""

# One row per delivery, written in the delivery's own transaction; the
# region is the source's scope.
INSERT_BATCH_AUDIT = """
insert into audit_log (actor, role, action, target, region_code, outcome, detail)
select 'source:' || s.code, 'source', 'batch.' || $2::text, $3::text, s.scope_code, 'ok',
       $4::jsonb
  from sources s
 where s.code = $1
"""

# Newest first, keyset on id. $1: a region prefix pattern ('2101%') or null
# for every row; $2: an action prefix ('batch.') or null.
LIST_AUDIT = """
select id, at, actor, role, action, target, region_code, outcome, detail::text as detail
  from audit_log
 where ($1::text is null or region_code like $1)
   and ($2::text is null or starts_with(action, $2))
   and ($3::bigint is null or id < $3)
 order by id desc
 limit $4
"""

LOAD_DOCUMENTS = "select sha256, body from trusted_documents"

LIST_DOCUMENTS = """
select sha256, name, added_at, added_by, length(body) as chars
  from trusted_documents
 order by added_at, sha256
"""

INSERT_DOCUMENTS = """
insert into trusted_documents (sha256, body, name, added_by)
select u.sha256, u.body, u.name, $4
  from unnest($1::text[], $2::text[], $3::text[]) as u(sha256, body, name)
on conflict (sha256) do nothing
returning sha256
"""

DELETE_DOCUMENT = "delete from trusted_documents where sha256 = $1 returning sha256"

SOURCE_FAILURES = """
select id, code, scope_code, last_failure_at, last_failure, last_success_at
  from sources
 order by id
"""
