"""What the programs around the warehouse keep in it: alert rules, episodes and deliveries; API tokens."""
