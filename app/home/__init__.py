"""The home page: what each role should look at first."""
