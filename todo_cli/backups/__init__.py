"""Backups of todo's database: pg_dump archives, written and restored with the right programs.

``archive`` keeps the embedded server's backups (names, listing, pruning) in
the data dir's ``backups/``; ``dumps`` runs pg_dump and pg_restore without a
password on any command line; ``programs`` picks the programs that match a
server; ``automatic`` takes the daily backup in the background.
"""
