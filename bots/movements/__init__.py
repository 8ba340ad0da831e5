"""Movements: one module per part (see bots/part.py); steering.py holds what they share."""
