"""Triage workstation: review, tag and refer social-media posts that advertise people smuggling."""

__version__ = "0.1.0"
