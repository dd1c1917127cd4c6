"""Points ledger, levels, badges (Reading Star and more), leaderboards, library-use data."""
