"""The registry import's rules live in `chalicelib.registry_import` (the console's upload and
forms check with the same code); the offline tools keep importing them from here."""

from chalicelib.registry_import import *  # noqa: F403
