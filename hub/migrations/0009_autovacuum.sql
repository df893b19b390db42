-- Vacuum the large, busy tables after 2% of their rows changed rather than
-- PostgreSQL's default 20%.
--
-- The figures' record paths, the wishes' pages and their totalCount read
-- covering indexes: an index-only scan visits the table for every entry
-- whose page is not marked all-visible, and only vacuum marks pages. At
-- 900,000 wishes the default waits for 180,000 changes. On the province
-- bench database, after a few runs with ingestion, counting the OPEN wishes
-- before a date took 15.7 ms with 25,000 of 97,000 entries visiting the
-- table, and 7.0 ms once vacuumed. Inserts count too (the insert threshold),
-- so that append-mostly days are marked as well.
alter table wishes set (autovacuum_vacuum_scale_factor = 0.02,
                        autovacuum_vacuum_insert_scale_factor = 0.02,
                        autovacuum_analyze_scale_factor = 0.02);
alter table activities set (autovacuum_vacuum_scale_factor = 0.02,
                            autovacuum_vacuum_insert_scale_factor = 0.02,
                            autovacuum_analyze_scale_factor = 0.02);
alter table stats_wish_hist set (autovacuum_vacuum_scale_factor = 0.02,
                                 autovacuum_vacuum_insert_scale_factor = 0.02);
