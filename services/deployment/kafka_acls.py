"""The principals' ACLs as ``kafka-acls.sh`` commands, for the compose ``secure`` profile
(a plain Apache Kafka without Strimzi's user operator)."""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from services.deployment.access import Principal

_PREAMBLE = """\
#!/usr/bin/env bash
# Adds every principal's ACLs (idempotent). Runs in the apache/kafka image as the compose
# `kafka-acls` job, as the SCRAM super user `admin` over TLS.
set -euo pipefail
: "${KAFKA_BOOTSTRAP:?}" "${KAFKA_ADMIN_PASSWORD:?}"
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
cat > "$config" <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\
  username="admin" password="${KAFKA_ADMIN_PASSWORD}";
ssl.truststore.type=PEM
ssl.truststore.location=/opt/lead-kafka/certs/ca.crt
PROPERTIES
acl() {
  /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$KAFKA_BOOTSTRAP" --command-config "$config" \\
    --add --allow-principal "User:$1" --resource-pattern-type "$2" "${@:3}" > /dev/null
}
"""
_RESOURCE_OPTION = {"topic": "--topic", "group": "--group"}
_PATTERN = {"literal": "literal", "prefix": "prefixed"}


def acl_script(principals: Iterable[Principal]) -> str:
    lines = [_PREAMBLE]
    for principal in principals:
        for grant in principal.grants:
            operations = " ".join(f"--operation {op}" for op in grant.operations)
            lines.append(
                f"acl {shlex.quote(principal.user)} {_PATTERN[grant.pattern]}"
                f" {_RESOURCE_OPTION[grant.resource]} {shlex.quote(grant.name)} {operations}\n"
            )
    lines.append('echo "ACLs in place"\n')
    return "".join(lines)
