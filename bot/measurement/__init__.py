"""What is measured and shared: the search log, the dashboard, open exports and the HSDS profile."""
