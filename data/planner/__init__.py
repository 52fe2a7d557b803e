"""The build planner (DESIGN.md screen 4): City of Heroes builds as Mids Reborn models them.

`catalogue` holds the game data as plain values, `plan` a build and the rules of every
edit, `enhancing` strengths and enhancement diversification, `totals` what a build adds up
to (rule of five included), `store` the database side (catalogue, saved builds) and
`exchange` the JSON export and import. Only `store` touches the database.
"""
