"""Teams: their coordinators, roster, volunteer profiles and campaign posters (the `teams`
blueprint at /teams/)."""
