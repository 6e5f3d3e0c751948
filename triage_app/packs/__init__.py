"""Referral packs (and, in sync*.py, sync packs): build, encrypt with age, sign with minisign,
verify and open. See DESIGN.md "Referral pack v1" and docs/packs.md."""
