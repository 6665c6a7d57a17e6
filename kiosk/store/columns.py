"""Column types both stores (the hall's and the central one in ``sync.server``) declare alike."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer

#: A 64-bit key; SQLite only gives an autoincrementing key to INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")
