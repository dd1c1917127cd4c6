"""The JSON API at /api/v1: personal access tokens, one envelope, the OpenAPI document."""
