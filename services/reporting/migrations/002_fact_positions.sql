-- The warehouse feed selects rows by position after every projection batch.
CREATE INDEX referrals_position              ON referrals (position);
CREATE INDEX abeyances_position              ON abeyances (position);
CREATE INDEX naloxone_distributions_position ON naloxone_distributions (position);
CREATE INDEX naloxone_uses_position          ON naloxone_uses (position);
CREATE INDEX cohort_members_position         ON cohort_members (position);
CREATE INDEX justice_contacts_position       ON justice_contacts (position);
CREATE INDEX probation_spells_position       ON probation_spells (position);

-- Up to which projection position fact rows have been queued for lead.reporting.facts.
ALTER TABLE projection_position ADD COLUMN facts_published bigint NOT NULL DEFAULT 0;
