"""What talents asked and how each turn ended, for the editors' inbox, the analytics and policy notices."""
