"""SQL of live wish events (``hub.events``; the triggers are migration 0016's)."""

from hub.sql.read import WISHES_BY_ID

# The one channel every trigger notifies, with an empty payload (identical
# notifications of a transaction fold into one).
CHANNEL = "hub_wish_events"

# The snapshot's xmin horizon, and the event rows (one per statement) of
# transactions at or after a previous horizon: every row not seen yet is
# among them (a transaction before that horizon had ended when that read
# ran, so its rows were read then). One row with null event columns when
# there are none. xid8 travels as text (asyncpg has no codec for it).
EVENTS_SINCE = """
with h as (select pg_snapshot_xmin(pg_current_snapshot())::text as horizon)
select h.horizon, e.id, e.xid::text as xid, e.at, e.wish_ids, e.kinds
  from h
  left join wish_events e on e.xid >= $1::text::xid8
 order by e.id
"""

HORIZON = "select pg_snapshot_xmin(pg_current_snapshot())::text"

# The wishes of a batch of events, as the API reads them (visible ones only).
EVENT_WISHES = WISHES_BY_ID

# Events are for live subscribers only: older ones go.
PRUNE_EVENTS = "delete from wish_events where at < now() - make_interval(secs => $1)"
