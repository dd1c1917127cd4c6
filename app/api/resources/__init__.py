"""One module per API resource: its routes on the `api` blueprint and its OpenAPI paths.

`app.api.views` imports each of them once; they add their routes to `app.api.blueprint`.
"""
