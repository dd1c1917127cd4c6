"""Demo data: a university's colleges and majors and ~200 people in every role."""
