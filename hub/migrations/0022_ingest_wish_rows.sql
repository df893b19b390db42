-- The ingest's cost per record (issue 18: bench/ingest.py at >= 10,000
-- records/s on two cores), two changes, no function:
--
-- 1. Two statistics indexes no read uses any more. The figures read the cells
--    and histograms, and count from the records only what no cell holds,
--    through stats_wishes_region_day (a region range: the province and every
--    city and county are ranges of region_code), the category-, group- and
--    hours-first ones and the flow indexes of 0019. stats_wishes_day (days
--    only) and stats_wishes_county_day (county_code, days) had 0 scans after
--    the province-scale bench/stats.py run (905,769 wishes), and no statement
--    in hub/sql filters the records by county_code and day. Each cost an
--    insert 2.4 us (covering, seven included columns) and ~100 MB at
--    province scale, prewarmed for nothing.
drop index if exists stats_wishes_day;
drop index if exists stats_wishes_county_day;

-- 2. One row type for the wishes' upsert (hub.sql.write.UPSERT_WISHES): the
--    batch goes as one array of rows rather than 24 parallel arrays, which
--    asyncpg encodes with an abstract-class check per element (43 a record):
--    10.4 -> 4.5 us of the hub's CPU a record. The fields are the upsert's
--    columns after source, in its order.
create type ingest_wish as (
    source_id         text,
    version           bigint,
    deleted           boolean,
    origin            text,
    title             text,
    kind              text,
    category          text,
    beneficiary_group text,
    beneficiary_name  text,
    status            text,
    region_code       text,
    city_code         text,
    county_code       text,
    station_ref       text,
    submitted_at      timestamptz,
    claimed_at        timestamptz,
    fulfilled_at      timestamptz,
    handling_level    text,
    claims_from_cards boolean,
    own_status        text,
    own_at            timestamptz,
    first_open_at     timestamptz,
    first_seen_at     timestamptz,
    shadowed          boolean
);
