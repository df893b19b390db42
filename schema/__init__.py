"""The GraphQL schema the hub serves."""
