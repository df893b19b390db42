"""SQL of the data version (``hub.data_version``; the triggers are migration 0020's)."""

# Every commit that changed data notifies it with the new version as payload.
CHANNEL = "hub_data_version"

CURRENT = "select version from data_version"
