#!/usr/bin/env bash
# The `kafka-secure` entrypoint: format the storage once with the SCRAM credentials of the
# admin and of each service (KRaft stores them in its metadata), then run the broker.
# Later password changes: kafka-configs.sh --alter --entity-type users (docs/operations.md).
set -euo pipefail
config=/opt/lead-kafka/server.properties
for variable in CLUSTER_ID KAFKA_ADMIN_PASSWORD LEAD_INTAKE_KAFKA_PASSWORD \
    LEAD_ABEYANCE_KAFKA_PASSWORD LEAD_REPORTING_KAFKA_PASSWORD; do
  if [ -z "${!variable:-}" ]; then echo "set $variable in .env" >&2; exit 1; fi
done
scram() { printf 'SCRAM-SHA-512=[name=%s,password=%s]' "$1" "$2"; }
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted --cluster-id "$CLUSTER_ID" \
  --config "$config" \
  --add-scram "$(scram admin "$KAFKA_ADMIN_PASSWORD")" \
  --add-scram "$(scram lead-intake "$LEAD_INTAKE_KAFKA_PASSWORD")" \
  --add-scram "$(scram lead-abeyance "$LEAD_ABEYANCE_KAFKA_PASSWORD")" \
  --add-scram "$(scram lead-reporting "$LEAD_REPORTING_KAFKA_PASSWORD")"
exec /opt/kafka/bin/kafka-server-start.sh "$config"
