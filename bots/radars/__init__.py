"""Radars: one module per part (see bots/part.py); search.py holds what they share."""
