-- Flow figures from the records as fast as the stock figures' (hub.stats_flow,
-- hub.sql.stats_flow.BASE_FLOWS): what no flow cell holds (a category or
-- group on fine grains, counties with either, towns, villages) is counted
-- from the records.
--
-- 0011's region-first indexes served every such count, and were no
-- index-only scans: PostgreSQL reads the table for an index on f(x) unless
-- x itself is in the index, so every event counted cost a heap visit. A
-- province or city with a category read the whole region's range: 330 ms
-- for a province filter whose edge days had a category and a group.
--
-- Now, as the submissions' (0003: stats_wishes_category_day, _group_day,
-- _region_day, all index-only), each kind of event has
--   * the region-first index again, with its time included (index-only);
--   * a category-and-group-first one: a category, a group or both, then the
--     days (PostgreSQL 18 skips over the groups when only a category is
--     given, and over the categories for a group: a few dozen descents).
-- Only indexes: no trigger, no cell changes.

drop index stats_wishes_region_claim_day;
drop index stats_wishes_region_fulfil_day;
drop index stats_wishes_region_cancel_day;

create index stats_wishes_region_claim_day
    on wishes ((region_code collate "C"), stats_beijing_day(claimed_at))
    include (source, category, beneficiary_group, claimed_at)
    where not deleted and not shadowed and claimed_at is not null;
create index stats_wishes_region_fulfil_day
    on wishes ((region_code collate "C"), stats_beijing_day(fulfilled_at))
    include (source, category, beneficiary_group, fulfilled_at)
    where not deleted and not shadowed and fulfilled_at is not null;
create index stats_wishes_region_cancel_day
    on wishes ((region_code collate "C"), stats_beijing_day(cancelled_at))
    include (source, category, beneficiary_group, cancelled_at)
    where not deleted and not shadowed and cancelled_at is not null;

create index stats_wishes_dims_claim_day
    on wishes (category, beneficiary_group, stats_beijing_day(claimed_at))
    include (region_code, source, claimed_at)
    where not deleted and not shadowed and claimed_at is not null;
create index stats_wishes_dims_fulfil_day
    on wishes (category, beneficiary_group, stats_beijing_day(fulfilled_at))
    include (region_code, source, fulfilled_at)
    where not deleted and not shadowed and fulfilled_at is not null;
create index stats_wishes_dims_cancel_day
    on wishes (category, beneficiary_group, stats_beijing_day(cancelled_at))
    include (region_code, source, cancelled_at)
    where not deleted and not shadowed and cancelled_at is not null;
