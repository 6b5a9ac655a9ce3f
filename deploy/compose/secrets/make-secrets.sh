#!/usr/bin/env bash
# Writes the compose secrets once (existing files are kept): random keys and the database
# password. This folder is closed to other users (mode 700); the files are world-readable
# inside it because compose mounts each one into containers that run as their own users.
# Back them up with the databases: without participant_key no re-referral is recognised,
# without identity_master_key no identity can be opened again.
set -euo pipefail
cd "$(dirname "$0")"
chmod 700 .
umask 022
random() { python3 -c "import secrets; print(secrets.token_urlsafe(48))"; }
for name in participant_key identity_master_key postgres_password; do
  [ -s "$name" ] || random > "$name"
done
[ -s database_url ] || printf 'postgresql://lead:%s@postgres:5432/postgres\n' \
  "$(cat postgres_password)" > database_url
ls -l participant_key identity_master_key postgres_password database_url
