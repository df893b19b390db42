-- One-hour histogram rows read by coarse bucket, in one range per request.
--
-- A median's second step wants the one-hour counts inside one coarse bucket
-- (stats_coarse) over a range of periods: a county over a year's months, say.
-- In the primary key's order (.., p, b) those rows lie in as many runs as
-- there are periods, so every request cost one index search per period (2,300
-- for the county table over a year, 25,000 buffers, ~45 ms). In this order
-- (.., coarse bucket, p) they are one run, read from the index alone.
create index stats_wish_hist_coarse
    on stats_wish_hist (area, src, m, g, stats_coarse(b), p, b) include (n);
