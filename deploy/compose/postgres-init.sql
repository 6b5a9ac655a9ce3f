-- One database per service, owned by the `lead` role (first start of the postgres volume only).
CREATE DATABASE lead_intake;
CREATE DATABASE lead_abeyance;
CREATE DATABASE lead_reporting;
