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

UPSERT_SOURCE = """
insert into sources (code, name, scope_code) values ($1, $2, $3)
on conflict (code) do update set name = excluded.name, scope_code = excluded.scope_code
"""

SOURCE_IDS = "select id, code from sources"
