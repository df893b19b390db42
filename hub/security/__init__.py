"""Who may read and write what.

* ``keys`` / ``keyfile``: API keys in ``HUB_CONFIG`` (``[keys.NAME]``), stored as
  the SHA-256 of the token, and the edits ``hub keys`` makes to that file;
* ``roles``: the roles and the ``Caller`` of one request;
* ``settings``: the ``[public]`` and ``[security]`` tables;
* ``gate``: the ASGI middleware in front of ``/graphql`` (key → caller, rate
  limit, body size, trusted documents), ``ratelimit`` its token buckets;
* ``limits`` / ``cost`` / ``extension``: depth, aliases, tokens and cost of a
  document, refused before any resolver (and so any SQL) runs;
* ``documents``: the trusted-documents store (``hub documents add``);
* ``access``: region-scope checks of operator fields and mutations;
* ``audit``: the append-only audit log.
"""
