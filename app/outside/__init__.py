"""Hours served elsewhere: volunteers claim service done outside the library, their teams'
coordinators decide; approved hours are kept apart from library hours everywhere."""
