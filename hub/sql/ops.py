"""What /readyz and /metrics read, and the session settings the pool sets."""

# Seconds since each source last delivered successfully (a stored push or
# pull page, or a finished sync run); null for a source never heard from.
SOURCE_SYNC_LAG = """
select code,
       extract(epoch from now() - last_success_at)::float8 as lag_seconds
from sources
order by code
"""

# What the API's `wishes { totalCount }` counts (hub.sql.read's filter with no
# conditions): `hub demo`'s banner says the same figure.
WISHES_SHOWN = "select count(*) from wishes where not deleted and not shadowed"

# Towns and villages the API can only show by their code (/metrics).
PLACES_NAMED_BY_CODE = """
select count(*) from regions where level in ('TOWN', 'VILLAGE') and name = code
"""

# Settings as PostgreSQL holds them for this session (durations in their
# unit: statement_timeout in ms), for the warning of a pool behind PgBouncer.
SETTINGS = "select name, setting from pg_settings where name = any($1::text[])"

# For the rest of one transaction: plan every statement with its values
# (hub.db.custom_plans).
CUSTOM_PLANS = "set local plan_cache_mode = force_custom_plan"
