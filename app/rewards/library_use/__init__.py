"""Library-use data: the library system's export, imported row by row, and each month's
reading figures. Callers import from the module that holds what they need: `rows` (reading
a file into checked rows), `imports` (storing and rolling back an import), `results` (what
an import did), `reading` (monthly reading figures), `views` and `forms` (the admin pages).
"""
