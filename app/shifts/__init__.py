"""Tasks and shifts: scheduling, sign-up, waitlists, assignment, trainings."""
