"""A young person's own plan: goals, steps, referrals, check-ins and outcomes."""
