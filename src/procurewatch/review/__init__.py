"""Reviewers' decisions on procurements: recorded, listed, applied to every count, exported as labels."""
