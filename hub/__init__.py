"""The Liaoning volunteer-service data hub."""
