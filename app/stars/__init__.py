"""Service star levels (星级志愿者): one to five stars by cumulative verified library hours
plus approved hours served elsewhere. Not the monthly Service Star or Reading Star badges
of `app.rewards.star_rules`."""
