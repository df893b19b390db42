"""Who may read and write what.

* ``keys`` / ``keyfile``: API keys in ``HUB_CONFIG`` (``[keys.NAME]``), stored as
  the SHA-256 of the token, and the edits ``hub keys`` makes to that file;
* ``roles``: the roles and the ``Caller`` of one request;
* ``settings``: the ``[public]`` and ``[security]`` tables;
* ``gate``: the ASGI middleware in front of ``/graphql`` (key → caller, rate
  limit, body size, trusted documents), ``ratelimit`` its token buckets;
* ``limits`` / ``cost`` / ``villages`` / ``extension``: depth, aliases, tokens,
  cost and village filters of a document, refused before any resolver (and so
  any SQL) runs;
* ``documents``: the trusted-documents store (``hub documents add``);
* ``audit``: the append-only audit log;
* ``runtime``: what one application holds (``app.state.security``); ``demo``:
  ``hub demo``'s configuration.

Roles are checked in ``resolvers.operator`` (operator fields, mutations) and
``schema.types.Wish.region`` (villages).
"""
