"""Parcel shipping quotes. The rules live in :mod:`shipquote.rules` as ``.relon`` files."""
