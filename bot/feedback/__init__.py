"""Ratings, comments and peer tips on services, with moderation."""
