"""SQL of the reference data: regions and sources."""

UPSERT_REGIONS = """
insert into regions (code, name, level, parent_code)
select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
on conflict (code) do update
   set name = excluded.name, level = excluded.level, parent_code = excluded.parent_code
 where (regions.name, regions.level, regions.parent_code)
       is distinct from (excluded.name, excluded.level, excluded.parent_code)
"""

# Towns and villages named by records: created once, never renamed by a record.
INSERT_MISSING_REGIONS = """
insert into regions (code, name, level, parent_code)
select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
on conflict (code) do nothing
"""

# Towns and villages still named by their code (created before the reference
# data knew them, or by an older hub): what the shipped data calls them now.
NUMBERED_PLACES = """
select code from regions where level in ('TOWN', 'VILLAGE') and name = code
"""

NAME_PLACES = """
update regions r set name = u.name
  from unnest($1::text[], $2::text[]) as u(code, name)
 where r.code = u.code and r.name = r.code
"""

UPSERT_SOURCE = """
insert into sources (code, name, scope_code) values ($1, $2, $3)
on conflict (code) do update set name = excluded.name, scope_code = excluded.scope_code
"""

SOURCE_IDS = "select id, code from sources"
