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
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
  username="admin" password="${KAFKA_ADMIN_PASSWORD}";
ssl.truststore.type=PEM
ssl.truststore.location=/opt/lead-kafka/certs/ca.crt
PROPERTIES
acl() {
  /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$KAFKA_BOOTSTRAP" --command-config "$config" \
    --add --allow-principal "User:$1" --resource-pattern-type "$2" "${@:3}" > /dev/null
}
acl lead-intake literal --topic lead.inbound.referrals --operation Read --operation Describe
acl lead-intake literal --topic lead.abeyance.events --operation Read --operation Describe
acl lead-intake literal --topic lead.referral.events --operation Write --operation Describe
acl lead-intake literal --topic lead.oend.events --operation Write --operation Describe
acl lead-intake literal --topic lead.evaluation.events --operation Write --operation Describe
acl lead-intake literal --topic lead.inbound.rejected --operation Write --operation Describe
acl lead-intake literal --topic lead.inbound.referrals.dlq --operation Write --operation Describe
acl lead-intake literal --topic lead.abeyance.events.dlq --operation Write --operation Describe
acl lead-intake prefixed --group lead-intake- --operation Read --operation Describe
acl lead-abeyance literal --topic lead.referral.events --operation Read --operation Describe
acl lead-abeyance literal --topic lead.abeyance.events --operation Write --operation Describe
acl lead-abeyance prefixed --topic lead.notices. --operation Write --operation Describe
acl lead-abeyance literal --topic lead.referral.events.dlq --operation Write --operation Describe
acl lead-abeyance prefixed --group lead-abeyance- --operation Read --operation Describe
acl lead-reporting literal --topic lead.referral.events --operation Read --operation Describe
acl lead-reporting literal --topic lead.abeyance.events --operation Read --operation Describe
acl lead-reporting literal --topic lead.oend.events --operation Read --operation Describe
acl lead-reporting literal --topic lead.evaluation.events --operation Read --operation Describe
acl lead-reporting literal --topic lead.reporting.facts --operation Write --operation Describe
acl lead-reporting literal --topic lead.referral.events.dlq --operation Write --operation Describe
acl lead-reporting literal --topic lead.abeyance.events.dlq --operation Write --operation Describe
acl lead-reporting literal --topic lead.oend.events.dlq --operation Write --operation Describe
acl lead-reporting literal --topic lead.evaluation.events.dlq --operation Write --operation Describe
acl lead-reporting prefixed --group lead-reporting- --operation Read --operation Describe
acl prosecutor-lacityatty literal --topic lead.notices.lacityatty --operation Read --operation Describe
acl prosecutor-lacityatty prefixed --group prosecutor-lacityatty --operation Read --operation Describe
acl prosecutor-lada literal --topic lead.notices.lada --operation Read --operation Describe
acl prosecutor-lada prefixed --group prosecutor-lada --operation Read --operation Describe
acl prosecutor-lbcp literal --topic lead.notices.lbcp --operation Read --operation Describe
acl prosecutor-lbcp prefixed --group prosecutor-lbcp --operation Read --operation Describe
acl partner-dmh literal --topic lead.inbound.referrals --operation Write --operation Describe
acl partner-la-probation literal --topic lead.inbound.referrals --operation Write --operation Describe
acl partner-la-public-defender literal --topic lead.inbound.referrals --operation Write --operation Describe
acl partner-lahsa literal --topic lead.inbound.referrals --operation Write --operation Describe
acl partner-lapd literal --topic lead.inbound.referrals --operation Write --operation Describe
acl partner-lasd literal --topic lead.inbound.referrals --operation Write --operation Describe
acl partner-lbpd literal --topic lead.inbound.referrals --operation Write --operation Describe
acl lead-operator prefixed --topic lead. --operation Read --operation Describe
acl lead-operator literal --topic lead.referral.events --operation Write --operation Describe
acl lead-operator literal --topic lead.abeyance.events --operation Write --operation Describe
acl lead-operator literal --topic lead.oend.events --operation Write --operation Describe
acl lead-operator literal --topic lead.evaluation.events --operation Write --operation Describe
acl lead-operator literal --topic lead.inbound.referrals --operation Write --operation Describe
acl lead-operator literal --topic lead.referral.events.dlq --operation Write --operation Describe
acl lead-operator literal --topic lead.abeyance.events.dlq --operation Write --operation Describe
acl lead-operator literal --topic lead.oend.events.dlq --operation Write --operation Describe
acl lead-operator literal --topic lead.evaluation.events.dlq --operation Write --operation Describe
acl lead-operator literal --topic lead.inbound.referrals.dlq --operation Write --operation Describe
acl lead-operator prefixed --group lead- --operation Read --operation Describe --operation Delete
echo "ACLs in place"
