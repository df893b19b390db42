"""SQL of the pull side (``hub sync``): cursors, health marks (its lease: ``hub.sql.leases``)."""

SOURCE_PK = "select id from sources where code = $1"

# The cursor of one entity of one source; null/absent means "from the start".
GET_CURSOR = "select cursor from sync_cursors where source = $1 and entity = $2"

# Written only after the page it follows has been committed by ingest.
PUT_CURSOR = """
insert into sync_cursors (source, entity, cursor, updated_at)
values ($1, $2, $3, now())
on conflict (source, entity) do update
   set cursor = excluded.cursor, updated_at = excluded.updated_at
"""

CURSORS_OF_SOURCE = """
select entity, cursor, updated_at from sync_cursors where source = $1 order by entity
"""

RECORD_SYNC_SUCCESS = "update sources set last_success_at = now() where id = $1"

RECORD_SYNC_FAILURE = """
update sources set last_failure_at = now(), last_failure = $2 where id = $1
"""
