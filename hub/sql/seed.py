"""SQL of ``hub seed``."""

# Wishes every list and figure shows once a seed has landed.
VISIBLE_WISHES = "select count(*) from wishes where not deleted and not shadowed"
