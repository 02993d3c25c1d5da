"""What the programs around the warehouse keep in it: alert rules, alert episodes and their delivery history."""
