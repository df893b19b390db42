"""SQL of ``hub seed``."""

# Wishes every list and figure shows once a seed has landed.
VISIBLE_WISHES = "select count(*) from wishes where not deleted and not shadowed"

# After a bulk load: fresh planner statistics, and visibility maps so that the
# statistics' covering indexes are read without visiting the table.
TIDY = "vacuum (analyze) wishes, claims, claim_cards, teams, stations, activities"
